package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.MsiVector;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A passed-through device's MSI-X, trapped: the capability's control word and the vector table
 * are the guest's view only; each vector the guest enables and unmasks gets an {@link MsiVector}
 * (a GSI routed to the entry's address and data, with an irqfd), and the device signals that
 * irqfd's eventfd directly ({@code VFIO_DEVICE_SET_IRQS}), so an interrupt never passes through
 * Hotvisor. Linux 6.1's vfio-pci cannot add vectors to enabled MSI-X, so a vector beyond the
 * ones given re-enables it with more (as QEMU does). A vector the guest masks later keeps its
 * route: the device may raise it anyway (a spurious interrupt, which drivers tolerate), where
 * dropping it could lose one. The PBA reads as the device's own.
 */
final class VfioMsix {
    private static final Logger LOG = LoggerFactory.getLogger(VfioMsix.class);
    static final int CAPABILITY_LENGTH = 12;
    private static final int CONTROL = 2;
    private static final int TABLE = 4;
    private static final int PBA = 8;
    private static final int CONTROL_ENABLE = 0x8000;
    private static final int CONTROL_FUNCTION_MASK = 0x4000;
    private static final int CONTROL_TABLE_SIZE = 0x7FF;
    private static final int BIR = 0x7;
    private static final int ENTRY_SIZE = 16;
    private static final int VECTOR_MASKED = 1;

    private final String name;
    private final PciConfiguration configuration;
    private final int capability;
    private final VfioDevice device;
    private final Interrupts interrupts;
    private final VfioIntx intx;
    private final int tableBar;
    private final long tableOffset;
    private final int pbaBar;
    private final long pbaOffset;
    private final int[] table;
    private final MsiVector[] routes;
    /** The eventfds the device was given last, by vector; empty while MSI-X is off in the device. */
    private List<EventNotifier> given = List.of();
    private boolean enabled;

    /** The capability at {@code capability} of {@code configuration}, which holds the device's own bytes. */
    VfioMsix(String name, PciConfiguration configuration, int capability, VfioDevice device, Interrupts interrupts,
            VfioIntx intx) {
        this.name = name;
        this.intx = intx;
        this.configuration = configuration;
        this.capability = capability;
        this.device = device;
        this.interrupts = interrupts;
        int vectors = (configuration.getShort(capability + CONTROL) & CONTROL_TABLE_SIZE) + 1;
        int tableRegister = configuration.getInt(capability + TABLE);
        int pbaRegister = configuration.getInt(capability + PBA);
        this.tableBar = tableRegister & BIR;
        this.tableOffset = Integer.toUnsignedLong(tableRegister & ~BIR);
        this.pbaBar = pbaRegister & BIR;
        this.pbaOffset = Integer.toUnsignedLong(pbaRegister & ~BIR);
        if (tableBar >= 6 || pbaBar >= 6 || configuration.bar(tableBar).isEmpty() || configuration.bar(pbaBar).isEmpty()) {
            throw new VmException("not supported: " + name + " has its MSI-X table or PBA in a BAR it does not implement");
        }
        this.table = new int[vectors * ENTRY_SIZE / 4];
        this.routes = new MsiVector[vectors];
        for (int vector = 0; vector < vectors; vector++) {
            table[vector * 4 + 3] = VECTOR_MASKED;
        }
        // Off until the guest turns it on, whatever the host driver left there.
        configuration.putShort(capability + CONTROL, vectors - 1);
        configuration.setWritable(capability + CONTROL, 2, CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
    }

    int vectors() {
        return routes.length;
    }

    int tableBar() {
        return tableBar;
    }

    int pbaBar() {
        return pbaBar;
    }

    /** The table's bytes within its BAR: [start, end). */
    long[] tableRange() {
        return new long[] {tableOffset, tableOffset + (long) routes.length * ENTRY_SIZE};
    }

    long[] pbaRange() {
        return new long[] {pbaOffset, pbaOffset + (routes.length + 63) / 64 * 8L};
    }

    boolean covers(int bar, long offset) {
        return within(bar, offset, tableBar, tableRange()) || within(bar, offset, pbaBar, pbaRange());
    }

    private static boolean within(int bar, long offset, int rangeBar, long[] range) {
        return bar == rangeBar && offset >= range[0] && offset < range[1];
    }

    synchronized void read(int bar, long offset, byte[] data) {
        if (within(bar, offset, pbaBar, pbaRange())) {
            try {
                device.read(device.region(pbaBar), offset, data);
            } catch (VmException e) {
                Arrays.fill(data, (byte) 0);
            }
            return;
        }
        for (int i = 0; i < data.length; i++) {
            long at = offset + i - tableOffset;
            data[i] = at >= 0 && at < table.length * 4L ? (byte) (table[(int) at / 4] >>> (8 * (at % 4))) : 0;
        }
    }

    /** The guest writes the table (the PBA is read-only); the vectors it touched follow. */
    synchronized void write(int bar, long offset, byte[] data) {
        if (bar != tableBar) {
            return;
        }
        int first = Integer.MAX_VALUE;
        int last = -1;
        for (int i = 0; i < data.length; i++) {
            long at = offset + i - tableOffset;
            if (at < 0 || at >= table.length * 4L) {
                continue;
            }
            int index = (int) at;
            int shift = 8 * (index % 4);
            table[index / 4] = table[index / 4] & ~(0xFF << shift) | (data[i] & 0xFF) << shift;
            first = Math.min(first, index / ENTRY_SIZE);
            last = Math.max(last, index / ENTRY_SIZE);
        }
        for (int vector = first; vector <= last; vector++) {
            vectorChanged(vector);
        }
        giveEventFds();
    }

    /** The guest wrote the capability: MSI-X on or off, the function mask. */
    synchronized void capabilityWritten() {
        int control = configuration.getShort(capability + CONTROL);
        boolean nowEnabled = (control & CONTROL_ENABLE) != 0;
        if (enabled && !nowEnabled) {
            release();
        }
        enabled = nowEnabled;
        for (int vector = 0; vector < routes.length; vector++) {
            vectorChanged(vector);
        }
        giveEventFds();
    }

    private boolean masked(int vector) {
        return (configuration.getShort(capability + CONTROL) & CONTROL_FUNCTION_MASK) != 0
                || (table[vector * 4 + 3] & VECTOR_MASKED) != 0;
    }

    /** An enabled, unmasked vector gets a route to where its entry points now. */
    private void vectorChanged(int vector) {
        if (!enabled || masked(vector)) {
            return;
        }
        int entry = vector * 4;
        long address = Integer.toUnsignedLong(table[entry]) | (long) table[entry + 1] << 32;
        if (routes[vector] == null) {
            routes[vector] = interrupts.allocateMsi();
        }
        routes[vector].route(address, table[entry + 2]);
    }

    /** Tells the device which eventfd each vector signals, when that changed. */
    private void giveEventFds() {
        if (!enabled) {
            return;
        }
        int count = 0;
        for (int vector = 0; vector < routes.length; vector++) {
            if (routes[vector] != null) {
                count = vector + 1;
            }
        }
        List<EventNotifier> wanted = new ArrayList<>(count);
        for (int vector = 0; vector < count; vector++) {
            wanted.add(routes[vector] == null ? null : routes[vector].eventFd());
        }
        if (sameEventFds(wanted, given)) {
            return;
        }
        try {
            if (given.isEmpty()) {
                intx.messages(VfioDevice.MSIX, true);
            } else if (wanted.size() > given.size()) {
                device.disableTriggers(VfioDevice.MSIX);
            }
            device.setTriggers(VfioDevice.MSIX, wanted);
            given = wanted;
        } catch (VmException e) {
            // The guest cannot make this fail on purpose; the device stays without these vectors.
            LOG.error("{}: MSI-X vectors not given to the device: {}", name, e.getMessage());
            given = List.of();
            intx.messages(VfioDevice.MSIX, false);
        }
    }

    private static boolean sameEventFds(List<EventNotifier> a, List<EventNotifier> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    private void release() {
        if (!given.isEmpty()) {
            try {
                device.disableTriggers(VfioDevice.MSIX);
            } catch (VmException e) {
                LOG.warn("{}: turning MSI-X off failed: {}", name, e.getMessage());
            }
            given = List.of();
            intx.messages(VfioDevice.MSIX, false);
        }
        for (int vector = 0; vector < routes.length; vector++) {
            if (routes[vector] != null) {
                routes[vector].close();
                routes[vector] = null;
            }
        }
    }

    /** The device leaves: MSI-X off in it, every vector's GSI and irqfd freed. */
    synchronized void close() {
        release();
        enabled = false;
    }
}
