package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.api.vfio.HostMapping;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host PCI function passed through to the guest, as the core's bus sees it. Its configuration
 * space is the device's own with these parts virtualised (QEMU's and Cloud Hypervisor's split):
 * the type 0 header (BARs sized from the VFIO regions, rounded up to a power of two and a page,
 * at addresses the core assigns; no expansion ROM; the guest's command register is written
 * through as well, so that memory decoding and bus mastering reach the device), MSI and MSI-X
 * (trapped, see {@link VfioMsi} and {@link VfioMsix}). Every other byte of the 256 is read from and
 * written to the device, whose kernel driver filters what a guest may change; the extended space
 * reads as zero. BAR accesses that are not mapped into the guest go to the device region, the
 * MSI-X table and PBA to their emulation. Whatever the guest writes costs only this device.
 */
public final class VfioPciFunction implements PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VfioPciFunction.class);
    private static final int HEADER = 0x40;
    private static final int MSI_ID = 0x05;
    private static final int MSIX_ID = 0x11;
    private static final long PAGE = 4096;

    private final String id;
    private final VfioDevice device;
    private final PciConfiguration configuration;
    private final VfioRegion configRegion;
    private final VfioRegion[] regions = new VfioRegion[PciBar.COUNT];
    /** Bytes of the configuration space the guest sees from {@link #configuration}; the rest are the device's. */
    private final boolean[] virtualised = new boolean[PciConfiguration.SIZE];
    private final VfioIntx intx;
    private final Optional<VfioMsi> msi;
    private final int msiOffset;
    private final int msiLength;
    private final Optional<VfioMsix> msix;
    private final int msixOffset;
    /** Released in reverse order when the device leaves: BAR slots, host mappings, DMA maps. */
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    /** Runs once the device is closed (the assignment ends). */
    private final Runnable afterClose;

    /**
     * Reads the device's configuration space and regions; fails with a one-line
     * {@link VmException} on what cannot be passed through, and then the caller closes
     * {@code device}; otherwise {@link #removed} closes it and runs {@code afterClose}.
     */
    public VfioPciFunction(String id, VfioDevice device, Interrupts interrupts, Runnable afterClose) {
        this.id = id;
        this.device = device;
        this.afterClose = afterClose;
        this.configRegion = device.region(VfioDevice.CONFIG_REGION);
        if (configRegion.size() < PciConfiguration.SIZE) {
            throw new VmException("not supported: " + device.name() + " has no readable PCI configuration space");
        }
        byte[] hardware = new byte[PciConfiguration.SIZE];
        device.read(configRegion, 0, hardware);
        int headerType = hardware[PciConfiguration.HEADER_TYPE] & 0x7F;
        if (headerType != 0) {
            throw new VmException("not supported: " + device.name() + " is a PCI bridge (header type " + headerType + ")");
        }
        this.configuration = new PciConfiguration(u16(hardware, PciConfiguration.VENDOR_ID),
                u16(hardware, PciConfiguration.DEVICE_ID), u32(hardware, PciConfiguration.REVISION_ID) >>> 8,
                hardware[PciConfiguration.REVISION_ID] & 0xFF)
                .subsystem(u16(hardware, PciConfiguration.SUBSYSTEM_VENDOR_ID), u16(hardware, PciConfiguration.SUBSYSTEM_ID));
        Arrays.fill(virtualised, 0, HEADER, true);
        declareBars(hardware);
        int pin = hardware[PciConfiguration.INTERRUPT_PIN];
        if (pin >= 1 && pin <= 4 && device.irqCount(VfioDevice.INTX) > 0) {
            configuration.interruptPin(pin);
        }
        for (int offset = HEADER; offset < PciConfiguration.SIZE; offset++) {
            configuration.putByte(offset, hardware[offset]);
        }
        int status = u16(hardware, PciConfiguration.STATUS) & PciConfiguration.STATUS_CAPABILITIES;
        configuration.putShort(PciConfiguration.STATUS, status);
        int msiAt = -1;
        int msixAt = -1;
        if (status != 0) {
            configuration.putByte(PciConfiguration.CAPABILITIES_POINTER, hardware[PciConfiguration.CAPABILITIES_POINTER]);
            int pointer = hardware[PciConfiguration.CAPABILITIES_POINTER] & 0xFC;
            Set<Integer> seen = new HashSet<>();
            // A list that loops or leaves the space ends there, as Linux's pci_find_capability stops.
            while (pointer >= HEADER && pointer < PciConfiguration.SIZE - 1 && seen.add(pointer)) {
                int capabilityId = hardware[pointer] & 0xFF;
                if (capabilityId == MSI_ID) {
                    msiAt = pointer;
                } else if (capabilityId == MSIX_ID) {
                    msixAt = pointer;
                }
                pointer = hardware[pointer + 1] & 0xFC;
            }
        }
        this.intx = new VfioIntx(device.name(), device, interrupts);
        this.msiOffset = msiAt;
        this.msiLength = msiAt < 0 ? 0 : Math.min(VfioMsi.length(configuration.getShort(msiAt + 2)),
                PciConfiguration.SIZE - msiAt);
        this.msixOffset = msixAt;
        this.msi = msiAt < 0 || device.irqCount(VfioDevice.MSI) == 0 ? Optional.empty()
                : Optional.of(new VfioMsi(device.name(), configuration, msiAt, device, interrupts, intx));
        this.msix = msixAt < 0 || msixAt + VfioMsix.CAPABILITY_LENGTH > PciConfiguration.SIZE
                || device.irqCount(VfioDevice.MSIX) == 0 ? Optional.empty()
                : Optional.of(new VfioMsix(device.name(), configuration, msixAt, device, interrupts, intx));
        msi.ifPresent(ignored -> Arrays.fill(virtualised, msiOffset, msiOffset + msiLength, true));
        msix.ifPresent(ignored -> Arrays.fill(virtualised, msixOffset, msixOffset + VfioMsix.CAPABILITY_LENGTH, true));
    }

    /** Each implemented BAR region as a BAR of the device's kind, its size rounded up to what the bus can map. */
    private void declareBars(byte[] hardware) {
        for (int index = 0; index < PciBar.COUNT; index++) {
            VfioRegion region = device.region(index);
            int low = u32(hardware, PciConfiguration.BAR0 + 4 * index);
            if (!region.implemented()) {
                continue;
            }
            regions[index] = region;
            PciBar bar;
            if ((low & 0x1) != 0) {
                long size = Math.max(PciBar.MIN_IO_SIZE, roundUp(region.size()));
                if (size > PciBar.MAX_IO_SIZE) {
                    throw new VmException("not supported: " + device.name() + " BAR " + index + " is an I/O BAR of 0x"
                            + Long.toHexString(region.size()) + " bytes (at most 0x" + Long.toHexString(PciBar.MAX_IO_SIZE)
                            + ")");
                }
                bar = PciBar.io(index, size);
            } else {
                long size = Math.max(PciBar.MIN_MEMORY_SIZE, roundUp(region.size()));
                boolean wide = (low >> 1 & 0x3) == 0x2;
                bar = new PciBar(index, size, wide ? PciBar.Kind.MEMORY_64 : PciBar.Kind.MEMORY_32, (low & 0x8) != 0);
            }
            try {
                configuration.bar(bar);
            } catch (IllegalArgumentException e) {
                throw new VmException("not supported: " + device.name() + " " + e.getMessage(), e);
            }
            if (bar.kind() == PciBar.Kind.MEMORY_64) {
                index++;
            }
        }
    }

    private static long roundUp(long size) {
        long power = Long.highestOneBit(size);
        return power == size ? size : power << 1;
    }

    private static int u16(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) | (bytes[offset + 1] & 0xFF) << 8;
    }

    private static int u32(byte[] bytes, int offset) {
        return u16(bytes, offset) | u16(bytes, offset + 2) << 16;
    }

    @Override
    public PciConfiguration configuration() {
        return configuration;
    }

    @Override
    public Optional<String> pluggedDeviceId() {
        return Optional.of(id);
    }

    public VfioDevice device() {
        return device;
    }

    @Override
    public void readConfiguration(int offset, byte[] data) {
        configuration.read(offset, data);
        if (offset < 0 || offset + data.length > PciConfiguration.SIZE) {
            return; // the extended space, which reads as zero
        }
        for (int i = 0; i < data.length; i++) {
            if (!virtualised[offset + i]) {
                byte[] live = new byte[data.length];
                if (passThrough(() -> device.read(configRegion, offset, live), "read", offset)) {
                    for (int j = 0; j < data.length; j++) {
                        if (!virtualised[offset + j]) {
                            data[j] = live[j];
                        }
                    }
                }
                return;
            }
        }
    }

    @Override
    public void writeConfiguration(int offset, byte[] data) {
        if (offset < 0 || offset + data.length > PciConfiguration.SIZE) {
            return;
        }
        configuration.write(offset, data);
        for (int i = 0; i < data.length; i++) {
            int at = offset + i;
            if (!virtualised[at]) {
                byte[] one = {data[i]};
                passThrough(() -> device.write(configRegion, at, one), "write", at);
            }
        }
        if (overlaps(offset, data.length, PciConfiguration.COMMAND, 2)) {
            int command = configuration.getShort(PciConfiguration.COMMAND);
            byte[] value = {(byte) command, (byte) (command >> 8)};
            passThrough(() -> device.write(configRegion, PciConfiguration.COMMAND, value), "write", PciConfiguration.COMMAND);
        }
        msi.filter(ignored -> overlaps(offset, data.length, msiOffset, msiLength)).ifPresent(VfioMsi::capabilityWritten);
        msix.filter(ignored -> overlaps(offset, data.length, msixOffset, VfioMsix.CAPABILITY_LENGTH))
                .ifPresent(VfioMsix::capabilityWritten);
    }

    private static boolean overlaps(int offset, int length, int start, int size) {
        return offset < start + size && start < offset + length;
    }

    /** A failed access to the device costs the guest that access only. */
    private boolean passThrough(Runnable access, String what, int offset) {
        try {
            access.run();
            return true;
        } catch (VmException e) {
            LOG.warn("{}: configuration {} at 0x{} failed: {}", device.name(), what, Integer.toHexString(offset),
                    e.getMessage());
            return false;
        }
    }

    @Override
    public void readBar(int bar, long offset, byte[] data) {
        if (msix.isPresent() && msix.get().covers(bar, offset)) {
            msix.get().read(bar, offset, data);
            return;
        }
        VfioRegion region = regions[bar];
        Arrays.fill(data, (byte) 0);
        // The BAR may be larger than the region (rounded up to a page): past its end reads as zero.
        if (region != null && offset + data.length <= region.size()) {
            passThrough(() -> device.read(region, offset, data), "BAR " + bar + " read", (int) offset);
        }
    }

    @Override
    public void writeBar(int bar, long offset, byte[] data) {
        if (msix.isPresent() && msix.get().covers(bar, offset)) {
            msix.get().write(bar, offset, data);
            return;
        }
        VfioRegion region = regions[bar];
        if (region != null && offset + data.length <= region.size()) {
            passThrough(() -> device.write(region, offset, data), "BAR " + bar + " write", (int) offset);
        }
    }

    /** The device's resources to release when it leaves, in reverse order of adding. */
    void own(AutoCloseable resource) {
        owned.push(resource);
    }

    /**
     * Maps the mappable parts of each memory BAR into the guest as KVM slots, leaving holes (whole
     * pages) around the MSI-X table and PBA, which stay trapped; connects INTx to the slot's line.
     */
    @Override
    public void plugged(PciSlot slot) {
        if (configuration.getByte(PciConfiguration.INTERRUPT_PIN) != 0) {
            intx.attach(slot.intx().gsi());
        }
        for (PciBar bar : configuration.bars()) {
            VfioRegion region = regions[bar.index()];
            if (bar.kind() == PciBar.Kind.IO || region == null || !region.mappable()) {
                continue;
            }
            for (VfioRegion.Area area : region.mmapAreas()) {
                for (long[] piece : BarHoles.without(area, holes(bar.index()), region.size(), PAGE)) {
                    HostMapping mapping = device.map(region, piece[0], piece[1] - piece[0]);
                    own(mapping);
                    Registration inGuest = slot.mapHostMemory(bar.index(), piece[0], piece[1] - piece[0],
                            mapping.hostAddress());
                    own(inGuest);
                }
            }
        }
    }

    /** The MSI-X table's and PBA's ranges in {@code bar}, which must stay trapped. */
    private List<long[]> holes(int bar) {
        List<long[]> holes = new ArrayList<>();
        msix.ifPresent(table -> {
            if (table.tableBar() == bar) {
                holes.add(table.tableRange());
            }
            if (table.pbaBar() == bar) {
                holes.add(table.pbaRange());
            }
        });
        return holes;
    }

    /** Interrupts off and freed, BAR slots and mappings gone, DMA unmapped, the device closed. */
    @Override
    public void removed() {
        msix.ifPresent(VfioMsix::close);
        msi.ifPresent(VfioMsi::close);
        intx.close();
        while (!owned.isEmpty()) {
            AutoCloseable resource = owned.pop();
            try {
                resource.close();
            } catch (Exception e) {
                LOG.error("{}: releasing {} failed; going on with the rest", device.name(), resource, e);
            }
        }
        try {
            device.close();
        } finally {
            afterClose.run();
        }
    }
}
