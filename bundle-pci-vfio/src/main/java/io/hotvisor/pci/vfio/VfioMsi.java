package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.MsiVector;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A passed-through device's MSI, trapped: the capability is the guest's view only (32- or 64-bit,
 * with or without per-vector masking, as the device has it). While the guest has MSI on, each of
 * the vectors it enabled has an {@link MsiVector} routed to the capability's address and data, and
 * the device signals their irqfds directly. Per-vector masks are kept for the guest to read back
 * and, as with {@link VfioMsix}, do not hold interrupts back.
 */
final class VfioMsi {
    private static final Logger LOG = LoggerFactory.getLogger(VfioMsi.class);
    private static final int CONTROL = 2;
    private static final int ADDRESS = 4;
    private static final int CONTROL_ENABLE = 0x1;
    private static final int CONTROL_MULTIPLE_CAPABLE_SHIFT = 1;
    private static final int CONTROL_MULTIPLE_ENABLE_SHIFT = 4;
    private static final int CONTROL_64_BIT = 0x80;
    private static final int CONTROL_PER_VECTOR_MASK = 0x100;

    private final String name;
    private final PciConfiguration configuration;
    private final int capability;
    private final VfioDevice device;
    private final Interrupts interrupts;
    private final VfioIntx intx;
    private final boolean wide;
    private final int capable;
    private final List<MsiVector> routes = new ArrayList<>();
    /** Whether the device signals the routes' eventfds now. */
    private boolean given;

    VfioMsi(String name, PciConfiguration configuration, int capability, VfioDevice device, Interrupts interrupts,
            VfioIntx intx) {
        this.name = name;
        this.intx = intx;
        this.configuration = configuration;
        this.capability = capability;
        this.device = device;
        this.interrupts = interrupts;
        int control = configuration.getShort(capability + CONTROL);
        this.wide = (control & CONTROL_64_BIT) != 0;
        this.capable = Math.min(1 << (control >> CONTROL_MULTIPLE_CAPABLE_SHIFT & 0x7), 32);
        boolean perVectorMask = (control & CONTROL_PER_VECTOR_MASK) != 0;
        configuration.putShort(capability + CONTROL, control & ~(CONTROL_ENABLE | 0x7 << CONTROL_MULTIPLE_ENABLE_SHIFT));
        configuration.setWritable(capability + CONTROL, 2, CONTROL_ENABLE | 0x7 << CONTROL_MULTIPLE_ENABLE_SHIFT);
        configuration.setWritable(capability + ADDRESS, 4, ~0x3);
        if (wide) {
            configuration.setWritable(capability + ADDRESS + 4, 4, ~0);
        }
        configuration.setWritable(dataOffset(), 2, 0xFFFF);
        if (perVectorMask) {
            configuration.setWritable(dataOffset() + 4, 4, capable == 32 ? ~0 : (1 << capable) - 1);
        }
    }

    /** Its length in bytes: 10 to 24, by address width and per-vector masking. */
    static int length(int control) {
        int base = (control & CONTROL_64_BIT) != 0 ? 14 : 10;
        return (control & CONTROL_PER_VECTOR_MASK) != 0 ? base + 10 : base;
    }

    private int dataOffset() {
        return capability + (wide ? 12 : 8);
    }

    /** The guest wrote the capability: follow enable, the vector count, address and data. */
    synchronized void capabilityWritten() {
        int control = configuration.getShort(capability + CONTROL);
        int count = (control & CONTROL_ENABLE) == 0 ? 0
                : Math.min(1 << (control >> CONTROL_MULTIPLE_ENABLE_SHIFT & 0x7), capable);
        if (count != routes.size()) {
            release();
            for (int vector = 0; vector < count; vector++) {
                routes.add(interrupts.allocateMsi());
            }
        }
        long address = Integer.toUnsignedLong(configuration.getInt(capability + ADDRESS))
                | (wide ? (long) configuration.getInt(capability + ADDRESS + 4) << 32 : 0);
        int data = configuration.getShort(dataOffset());
        for (int vector = 0; vector < count; vector++) {
            routes.get(vector).route(address, data & ~(count - 1) | vector);
        }
        if (count > 0 && !routes.isEmpty() && !given) {
            List<EventNotifier> eventFds = routes.stream().map(MsiVector::eventFd).toList();
            intx.messages(VfioDevice.MSI, true);
            try {
                device.setTriggers(VfioDevice.MSI, eventFds);
                given = true;
            } catch (VmException e) {
                LOG.error("{}: MSI vectors not given to the device: {}", name, e.getMessage());
                intx.messages(VfioDevice.MSI, false);
            }
        }
    }

    private void release() {
        if (given) {
            given = false;
            try {
                device.disableTriggers(VfioDevice.MSI);
            } catch (VmException e) {
                LOG.warn("{}: turning MSI off failed: {}", name, e.getMessage());
            }
            intx.messages(VfioDevice.MSI, false);
        }
        routes.forEach(MsiVector::close);
        routes.clear();
    }

    synchronized void close() {
        release();
    }
}
