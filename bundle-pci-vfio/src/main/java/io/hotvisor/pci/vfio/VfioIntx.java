package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.LevelIrqfd;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import java.util.BitSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A passed-through device's INTx, entirely in the kernel: the device's interrupt signals a level
 * irqfd on the slot's INTx line, VFIO masks it until the guest's EOI signals the resample eventfd,
 * which VFIO takes as the unmask (QEMU's KVM INTx bypass). VFIO gives a device one interrupt type
 * at a time, so INTx is off while the guest has MSI or MSI-X on, and back when both are off.
 */
final class VfioIntx {
    private static final Logger LOG = LoggerFactory.getLogger(VfioIntx.class);

    private final String name;
    private final VfioDevice device;
    private final Interrupts interrupts;
    /** The message-signalled types on now, by VFIO index. */
    private final BitSet messages = new BitSet();
    private LevelIrqfd line;
    private boolean given;

    VfioIntx(String name, VfioDevice device, Interrupts interrupts) {
        this.name = name;
        this.device = device;
        this.interrupts = interrupts;
    }

    /** The device is on the bus, its INTx on {@code gsi}: from now on it raises it, unless messages are on. */
    synchronized void attach(int gsi) {
        line = interrupts.levelIrqfd(gsi);
        apply();
    }

    /** Interrupt type {@code index} (MSI, MSI-X) is about to be given to the device, or has just gone. */
    synchronized void messages(int index, boolean on) {
        messages.set(index, on);
        apply();
    }

    private void apply() {
        boolean wanted = line != null && messages.isEmpty();
        if (wanted == given) {
            return;
        }
        try {
            if (wanted) {
                device.setTriggers(VfioDevice.INTX, List.<EventNotifier>of(line.trigger()));
                device.unmaskIntxOn(line.resample());
            } else {
                device.disableTriggers(VfioDevice.INTX);
            }
            given = wanted;
        } catch (VmException e) {
            LOG.error("{}: INTx {} failed: {}", name, wanted ? "on" : "off", e.getMessage());
        }
    }

    /** The device leaves: INTx off in it, the irqfd detached. */
    synchronized void close() {
        LevelIrqfd attached = line;
        line = null;
        apply();
        if (attached != null) {
            attached.close();
        }
    }
}
