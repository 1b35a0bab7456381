package io.hotvisor.vmm.pci;

import io.hotvisor.vmm.acpi.PciHostBridge;
import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device on {@link PciRootBus}: keeps its BARs mapped on the MMIO and I/O buses exactly while
 * the guest has decoding on and the BAR holds a usable address (Cloud Hypervisor's
 * {@code detect_bar_reprogramming}, applied on every configuration write), the KVM slots of the
 * host memory the device maps into its BARs (moved along with them), and its INTx line.
 */
final class BusSlot implements PciSlot {
    private static final Logger LOG = LoggerFactory.getLogger(BusSlot.class);
    private static final long IO_SPACE_END = 0x10000;
    private static final long FOUR_GIB = 1L << 32;
    private static final long NOT_MAPPED = -1;
    private static final long PAGE = 4096;
    private static final int NO_KVM_SLOT = -1;

    /** Host memory inside a BAR, and its KVM slot while the BAR decodes. */
    private static final class HostMemory {
        final int bar;
        final long offset;
        final long size;
        final long hostAddress;
        int kvmSlot = NO_KVM_SLOT;

        HostMemory(int bar, long offset, long size, long hostAddress) {
            this.bar = bar;
            this.offset = offset;
            this.size = size;
            this.hostAddress = hostAddress;
        }
    }

    private final PciRootBus bus;
    private final PciAddress address;
    private final PciDevice device;
    private final long[] allocated;
    /** Where each BAR is mapped on its bus now, or {@link #NOT_MAPPED}. */
    private final long[] mapped = new long[PciBar.COUNT];
    private final InterruptLine intx;
    /** Guarded by the bus, as {@link #mapped} is. */
    private final List<HostMemory> hostMemory = new ArrayList<>();
    private boolean intxRequested;
    private volatile boolean closed;

    BusSlot(PciRootBus bus, PciAddress address, PciDevice device, long[] allocated) {
        this.bus = bus;
        this.address = address;
        this.device = device;
        this.allocated = allocated.clone();
        Arrays.fill(mapped, NOT_MAPPED);
        PciConfiguration config = device.configuration();
        for (PciBar bar : config.bars()) {
            config.barAddress(bar.index(), allocated[bar.index()]);
        }
        int pin = config.getByte(PciConfiguration.INTERRUPT_PIN);
        if (pin != 0) {
            int gsi = PciHostBridge.intxGsi(address.slot(), pin);
            config.putByte(PciConfiguration.INTERRUPT_LINE, gsi);
            this.intx = InterruptLine.of(gsi, this::requestIntx);
        } else {
            this.intx = InterruptLine.of(-1, asserted -> {
                throw new IllegalStateException(address + " declares no interrupt pin");
            });
        }
    }

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public PciDevice device() {
        return device;
    }

    @Override
    public InterruptLine intx() {
        return intx;
    }

    @Override
    public OptionalLong mappedAddress(int bar) {
        synchronized (bus) {
            long address = mapped[bar];
            return address == NOT_MAPPED ? OptionalLong.empty() : OptionalLong.of(address);
        }
    }

    @Override
    public Registration mapHostMemory(int bar, long offset, long size, long hostAddress) {
        synchronized (bus) {
            PciBar declared = device.configuration().bar(bar).orElseThrow(() -> new IllegalArgumentException(
                    address + ": BAR " + bar + " is not declared"));
            if (declared.kind() == PciBar.Kind.IO || offset < 0 || size <= 0 || offset % PAGE != 0 || size % PAGE != 0
                    || hostAddress % PAGE != 0 || offset + size > declared.size()) {
                throw new IllegalArgumentException(String.format("%s BAR %d: host memory of 0x%x bytes at offset 0x%x"
                        + " (host 0x%x) must be page aligned inside a memory BAR of 0x%x bytes", address, bar, size,
                        offset, hostAddress, declared.size()));
            }
            for (HostMemory other : hostMemory) {
                if (other.bar == bar && offset < other.offset + other.size && other.offset < offset + size) {
                    throw new IllegalArgumentException(String.format("%s BAR %d: host memory at 0x%x overlaps the one at"
                            + " 0x%x", address, bar, offset, other.offset));
                }
            }
            if (closed) {
                throw new VmException(address + " is no longer on the bus");
            }
            HostMemory range = new HostMemory(bar, offset, size, hostAddress);
            hostMemory.add(range);
            if (mapped[bar] != NOT_MAPPED) {
                mapHostMemory(range, mapped[bar]);
            }
            return () -> {
                synchronized (bus) {
                    if (hostMemory.remove(range)) {
                        unmapHostMemory(range);
                    }
                }
            };
        }
    }

    private void mapHostMemory(HostMemory range, long barAddress) {
        try {
            range.kvmSlot = bus.deviceMemory().map(barAddress + range.offset, range.size, range.hostAddress);
        } catch (VmException e) {
            // The BAR's bus registration still catches these bytes: slower, but they work.
            LOG.warn("{} BAR {}: host memory at +0x{} stays trapped: {}", address, range.bar,
                    Long.toHexString(range.offset), e.getMessage());
        }
    }

    private void unmapHostMemory(HostMemory range) {
        if (range.kvmSlot != NO_KVM_SLOT) {
            int slot = range.kvmSlot;
            range.kvmSlot = NO_KVM_SLOT;
            bus.deviceMemory().unmap(slot);
        }
    }

    long allocatedAddress(int bar) {
        return allocated[bar];
    }

    /**
     * The device drives its line, holding its own lock maybe (the virtio transport does): so only
     * this slot's monitor and then the bus's leaf INTx lock are taken here, never the bus lock,
     * which is held while the bus calls into devices (barMapped).
     */
    private synchronized void requestIntx(boolean asserted) {
        intxRequested = asserted;
        device.configuration().interruptStatus(asserted);
        applyIntx();
    }

    private synchronized void applyIntx() {
        boolean disabled = device.configuration().commandSet(PciConfiguration.COMMAND_INTX_DISABLE);
        if (!closed) {
            bus.intx(intx.gsi(), address.slot(), intxRequested && !disabled);
        }
    }

    /** After a guest write to the configuration space: follow BAR moves, decoding and INTx disable. */
    void configurationChanged() {
        PciConfiguration config = device.configuration();
        for (PciBar bar : config.bars()) {
            boolean decoding = config.commandSet(bar.kind() == PciBar.Kind.IO
                    ? PciConfiguration.COMMAND_IO : PciConfiguration.COMMAND_MEMORY);
            long target = decoding ? config.barAddress(bar.index()) : NOT_MAPPED;
            if (target != NOT_MAPPED && !usable(bar, target)) {
                target = NOT_MAPPED;
            }
            if (target != mapped[bar.index()]) {
                unmap(bar);
                map(bar, target);
            }
        }
        if (intx.gsi() >= 0) {
            applyIntx();
        }
    }

    /**
     * Zero and the all-ones sizing pattern (the highest aligned address) are not addresses; nor is
     * anything past the end of its address space.
     */
    private static boolean usable(PciBar bar, long address) {
        if (address == 0 || address + bar.size() < address) {
            return false;
        }
        return switch (bar.kind()) {
            case IO -> address + bar.size() <= IO_SPACE_END;
            case MEMORY_32 -> address + bar.size() < FOUR_GIB;
            case MEMORY_64 -> address + bar.size() > 0 && address != -bar.size();
        };
    }

    private void map(PciBar bar, long target) {
        if (target == NOT_MAPPED) {
            return;
        }
        int index = bar.index();
        try {
            if (bar.kind() == PciBar.Kind.IO) {
                bus.pio().register(target, bar.size(), new PioDevice() {
                    @Override
                    public void read(int offset, byte[] data) {
                        device.readBar(index, offset, data);
                    }

                    @Override
                    public void write(int offset, byte[] data) {
                        device.writeBar(index, offset, data);
                    }
                });
            } else {
                bus.mmio().register(target, bar.size(), new MmioDevice() {
                    @Override
                    public void read(long offset, byte[] data) {
                        device.readBar(index, offset, data);
                    }

                    @Override
                    public void write(long offset, byte[] data) {
                        device.writeBar(index, offset, data);
                    }
                });
            }
            mapped[index] = target;
            hostMemory.stream().filter(range -> range.bar == index).forEach(range -> mapHostMemory(range, target));
            device.barMapped(index, target);
        } catch (VmException e) {
            // The guest placed the BAR over something else: the BAR stays unreachable until moved.
            LOG.warn("{} BAR {}: not mapped at 0x{}: {}", address, index, Long.toHexString(target), e.getMessage());
        }
    }

    private void unmap(PciBar bar) {
        long current = mapped[bar.index()];
        if (current != NOT_MAPPED) {
            hostMemory.stream().filter(range -> range.bar == bar.index()).forEach(this::unmapHostMemory);
            (bar.kind() == PciBar.Kind.IO ? bus.pio() : bus.mmio()).unregister(current);
            mapped[bar.index()] = NOT_MAPPED;
            device.barUnmapped(bar.index());
        }
    }

    @Override
    public void close() {
        synchronized (bus) {
            if (closed) {
                return;
            }
            if (intx.gsi() >= 0) {
                bus.intx(intx.gsi(), address.slot(), false);
            }
            closed = true;
            device.configuration().bars().forEach(this::unmap);
            bus.remove(this);
        }
        device.removed();
    }

    @Override
    public String toString() {
        return address + " " + device.getClass().getSimpleName();
    }
}
