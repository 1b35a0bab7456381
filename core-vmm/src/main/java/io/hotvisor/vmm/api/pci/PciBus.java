package io.hotvisor.vmm.api.pci;

import io.hotvisor.vmm.api.Registration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Bus 0 of a VM's PCIe host bridge (segment 0): 32 slots, slot 0 being the host bridge itself.
 * Plugging assigns the device's BARs before the guest can see it; the guest may move them later
 * and the core follows.
 */
public interface PciBus {
    /**
     * Places {@code device} in {@code slot}, or in the first free slot when none is given. Fails
     * with a one-line {@link io.hotvisor.vmm.api.VmException} when the slot is taken or out of
     * range, the bus is full, or a window has no room for a BAR.
     */
    PciSlot plug(PciDevice device, OptionalInt slot);

    /** The occupied slots, host bridge included, by slot number. */
    List<PciSlot> slots();

    /** The slot of the function that belongs to plugged device {@code id} ({@link PciDevice#pluggedDeviceId()}). */
    default Optional<PciSlot> slotOf(String id) {
        return slots().stream().filter(slot -> slot.device().pluggedDeviceId().filter(id::equals).isPresent())
                .findFirst();
    }

    /**
     * From now on devices may come and go while the guest runs, through {@code controller}; closing
     * the registration detaches it (the controller's bundle is updated or removed). Without one, a
     * plug after the guest started and every removal fail with "not supported".
     */
    Registration attachHotplug(PciHotplugController controller);

    /** Whether a device plugged now reaches the guest: before it runs, or with a hotplug controller. */
    boolean acceptsPlug();

    /**
     * Asks the guest to release the device in {@code slot}; the attached controller takes it off
     * the bus once the guest has. Fails with a one-line {@link io.hotvisor.vmm.api.VmException}
     * when no controller is attached or a request is already pending.
     */
    void requestRemoval(PciSlot slot);
}
