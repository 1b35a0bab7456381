package io.hotvisor.vmm.memory;

import com.sun.jna.Pointer;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.GuestMemoryException;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.api.memory.RegionListener;
import io.hotvisor.vmm.api.memory.VmMemory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;


/**
 * A machine's guest RAM: the boot regions it owns, and regions of memory backends plugged at run
 * time in the hotplug region. Accessors look regions up in an immutable snapshot that plug and
 * unplug swap atomically (vm-memory's {@code GuestMemoryAtomic}), so DMA on other threads never
 * sees a half-changed map. Once {@link #attach attached}, every region has a KVM memory slot.
 */
public final class GuestRam implements VmMemory, AutoCloseable {
    private static final long PAGE = 4096;

    /** How KVM learns of a region: its slot set to a range, or deleted with size 0. */
    @FunctionalInterface
    public interface KvmMemory {
        void setSlot(int slot, long guestAddress, long size, long hostAddress);
    }

    /** A region as the accessors see it; {@code backend} is null for boot RAM. */
    private record Mapping(GuestRegion region, Pointer pointer, int slot, HostBackend backend) {
        boolean contains(long address, long length) {
            long offset = address - region.base().value();
            return length >= 0 && offset >= 0 && offset <= region.size() && length <= region.size() - offset;
        }
    }

    private final List<MmapRegion> boot;
    private final long bootSize;
    private volatile List<Mapping> mappings;
    private final List<RegionListener> listeners = new CopyOnWriteArrayList<>();
    private KvmMemory kvm;
    private MemorySlots slots;
    private Executor afterInFlightIo;
    private GuestRegion hotplugRegion;
    /** Set before unmapping; accessors stop first (the owner closes after its vCPUs stopped). */
    private volatile boolean closed;

    private GuestRam(List<MmapRegion> boot) {
        this.boot = List.copyOf(boot);
        this.bootSize = boot.stream().mapToLong(MmapRegion::size).sum();
        this.mappings = boot.stream().map(region -> new Mapping(new GuestRegion(region.start(), region.size(),
                region.hostAddress(), Optional.empty()), region.pointer(), -1, null)).toList();
    }

    /** Maps one region per (start, size) pair; on failure, what was mapped is unmapped again. */
    public static GuestRam map(List<GuestAddress> starts, List<Long> sizes) {
        List<MmapRegion> mapped = new ArrayList<>();
        try {
            for (int i = 0; i < starts.size(); i++) {
                mapped.add(new MmapRegion(starts.get(i), sizes.get(i)));
            }
            return new GuestRam(mapped);
        } catch (RuntimeException e) {
            mapped.forEach(MmapRegion::close);
            throw e;
        }
    }

    /**
     * Gives the boot regions their KVM slots, and allows plugging in {@code hotplugRegion} (if
     * any). {@code afterInFlightIo} runs a task once the I/O that might still touch an unplugged
     * region is done (the I/O thread's queue), which is when its host mapping may go.
     */
    public synchronized void attach(KvmMemory kvm, MemorySlots slots, Executor afterInFlightIo,
                                    Optional<GuestRegion> hotplugRegion) {
        this.kvm = kvm;
        this.slots = slots;
        this.afterInFlightIo = afterInFlightIo;
        this.hotplugRegion = hotplugRegion.orElse(null);
        List<Mapping> slotted = new ArrayList<>();
        for (Mapping mapping : mappings) {
            int slot = slots.allocate();
            GuestRegion region = mapping.region();
            kvm.setSlot(slot, region.base().value(), region.size(), region.hostAddress());
            slotted.add(new Mapping(region, mapping.pointer(), slot, null));
        }
        mappings = List.copyOf(slotted);
    }

    public List<MmapRegion> bootRegions() {
        return boot;
    }

    /** Boot RAM and plugged regions together. */
    @Override
    public long size() {
        return mappings.stream().mapToLong(mapping -> mapping.region().size()).sum();
    }

    public long bootSize() {
        return bootSize;
    }

    @Override
    public boolean contains(GuestAddress address, long length) {
        return mappings.stream().anyMatch(mapping -> mapping.contains(address.value(), length));
    }

    @Override
    public Optional<GuestRegion> hotplugRegion() {
        return Optional.ofNullable(hotplugRegion);
    }

    @Override
    public List<GuestRegion> regions() {
        return mappings.stream().map(Mapping::region).toList();
    }

    @Override
    public synchronized GuestRegion plug(GuestAddress base, MemoryBackend backend) {
        if (!(backend instanceof HostBackend host)) {
            throw new IllegalArgumentException("not a backend of this VM: " + backend);
        }
        if (closed || kvm == null) {
            throw new VmException("the machine is not running; cannot plug " + backend);
        }
        long start = base.value();
        long size = host.size();
        if (hotplugRegion == null) {
            throw new VmException("the machine has no memory hotplug region");
        }
        if (start % PAGE != 0 || start < hotplugRegion.base().value() || size > hotplugRegion.end() - start) {
            throw new VmException(String.format("%s at 0x%x (%d bytes) is not inside the hotplug region 0x%x-0x%x",
                    backend, start, size, hotplugRegion.base().value(), hotplugRegion.end() - 1));
        }
        for (Mapping mapping : mappings) {
            if (mapping.region().overlaps(start, size)) {
                throw new VmException(String.format("%s at 0x%x overlaps the region at 0x%x", backend, start,
                        mapping.region().base().value()));
            }
        }
        long hostAddress = host.map();
        int slot = slots.allocate();
        try {
            kvm.setSlot(slot, start, size, hostAddress);
        } catch (RuntimeException e) {
            slots.release(slot);
            throw e;
        }
        host.plugged(true);
        GuestRegion region = new GuestRegion(base, size, hostAddress, Optional.of(host.id()));
        List<Mapping> next = new ArrayList<>(mappings);
        next.add(new Mapping(region, new Pointer(hostAddress), slot, host));
        next.sort(Comparator.comparingLong(mapping -> mapping.region().base().value()));
        mappings = List.copyOf(next);
        listeners.forEach(listener -> listener.added(region));
        return region;
    }

    @Override
    public synchronized void unplug(GuestRegion region) {
        Mapping gone = mappings.stream().filter(mapping -> mapping.region().equals(region)).findFirst()
                .orElseThrow(() -> new VmException("no plugged region " + region));
        if (gone.backend() == null) {
            throw new VmException("boot RAM at " + region.base() + " cannot be unplugged");
        }
        mappings = mappings.stream().filter(mapping -> mapping != gone).toList();
        kvm.setSlot(gone.slot(), region.base().value(), 0, region.hostAddress());
        slots.release(gone.slot());
        gone.backend().plugged(false);
        listeners.forEach(listener -> listener.removed(region));
        // A device may still be in the middle of DMA through a view of it: the mapping goes after that I/O.
        afterInFlightIo.execute(gone.backend()::unmapUnlessPlugged);
    }

    /**
     * KVM slots for device memory (the host mapping of a passed-through device's BAR): not guest
     * RAM, so not in {@link #regions()} and not accessible through this class; a slot that would
     * overlap RAM is refused.
     */
    public DeviceMemory deviceMemory() {
        return new DeviceMemory() {
            @Override
            public int map(long guestAddress, long size, long hostAddress) {
                synchronized (GuestRam.this) {
                    if (closed || kvm == null) {
                        throw new VmException("the machine is not running; no device memory can be mapped");
                    }
                    if (guestAddress % PAGE != 0 || size <= 0 || size % PAGE != 0 || hostAddress % PAGE != 0) {
                        throw new VmException(String.format("device memory at 0x%x (0x%x bytes, host 0x%x) is not page"
                                + " aligned", guestAddress, size, hostAddress));
                    }
                    for (Mapping mapping : mappings) {
                        if (mapping.region().overlaps(guestAddress, size)) {
                            throw new VmException(String.format("device memory at 0x%x (0x%x bytes) overlaps guest RAM"
                                    + " at 0x%x", guestAddress, size, mapping.region().base().value()));
                        }
                    }
                    int slot = slots.allocate();
                    try {
                        kvm.setSlot(slot, guestAddress, size, hostAddress);
                    } catch (RuntimeException e) {
                        slots.release(slot);
                        throw e;
                    }
                    return slot;
                }
            }

            @Override
            public void unmap(int slot) {
                synchronized (GuestRam.this) {
                    if (!closed) {
                        kvm.setSlot(slot, 0, 0, 0);
                    }
                    slots.release(slot);
                }
            }
        };
    }

    @Override
    public Registration addRegionListener(RegionListener listener) {
        synchronized (this) {
            listeners.add(listener);
            regions().forEach(listener::added);
        }
        return () -> listeners.remove(listener);
    }

    private Mapping region(GuestAddress address, long length) {
        if (closed) {
            throw new VmException("guest RAM has been released; access to " + address + " refused");
        }
        for (Mapping mapping : mappings) {
            if (mapping.contains(address.value(), length)) {
                return mapping;
            }
        }
        throw new GuestMemoryException(address, length);
    }

    private static long offset(Mapping mapping, GuestAddress address) {
        return address.value() - mapping.region().base().value();
    }

    @Override
    public void read(GuestAddress address, byte[] dst, int offset, int length) {
        Mapping region = region(address, length);
        region.pointer().read(offset(region, address), dst, offset, length);
    }

    @Override
    public void write(GuestAddress address, byte[] src, int offset, int length) {
        Mapping region = region(address, length);
        region.pointer().write(offset(region, address), src, offset, length);
    }

    @Override
    public byte readByte(GuestAddress address) {
        Mapping region = region(address, 1);
        return region.pointer().getByte(offset(region, address));
    }

    @Override
    public short readShort(GuestAddress address) {
        Mapping region = region(address, 2);
        return region.pointer().getShort(offset(region, address));
    }

    @Override
    public int readInt(GuestAddress address) {
        Mapping region = region(address, 4);
        return region.pointer().getInt(offset(region, address));
    }

    @Override
    public long readLong(GuestAddress address) {
        Mapping region = region(address, 8);
        return region.pointer().getLong(offset(region, address));
    }

    @Override
    public void writeByte(GuestAddress address, byte value) {
        Mapping region = region(address, 1);
        region.pointer().setByte(offset(region, address), value);
    }

    @Override
    public void writeShort(GuestAddress address, short value) {
        Mapping region = region(address, 2);
        region.pointer().setShort(offset(region, address), value);
    }

    @Override
    public void writeInt(GuestAddress address, int value) {
        Mapping region = region(address, 4);
        region.pointer().setInt(offset(region, address), value);
    }

    @Override
    public void writeLong(GuestAddress address, long value) {
        Mapping region = region(address, 8);
        region.pointer().setLong(offset(region, address), value);
    }

    @Override
    public java.nio.ByteBuffer buffer(GuestAddress address, int length) {
        Mapping region = region(address, length);
        return region.pointer().getByteBuffer(offset(region, address), length);
    }

    @Override
    public void clear(GuestAddress address, long length) {
        Mapping region = region(address, length);
        region.pointer().setMemory(offset(region, address), length, (byte) 0);
    }

    /**
     * Unmaps the boot RAM. Plugged backends keep their memory: a reset plugs them into the next
     * machine (their KVM slots went with the VM fd).
     */
    @Override
    public synchronized void close() {
        closed = true;
        boot.forEach(MmapRegion::close);
        mappings.stream().filter(mapping -> mapping.backend() != null).forEach(mapping -> mapping.backend().plugged(false));
    }
}
