package io.hotvisor.vmm.api.pci;

/**
 * The guest's side of PCI hotplug, as a hotplug capability implements it for one running machine
 * (Cloud Hypervisor's ACPI controller, say) and attaches it with {@link PciBus#attachHotplug}.
 * The bus calls it after it placed a device while the guest runs, and when the host asks for a
 * device back; the controller tells the guest, and when the guest has let go of a device it takes
 * the device off the bus ({@link PciSlot#close()}).
 */
public interface PciHotplugController {
    /** A device sits in {@code slot} now, its BARs assigned: tell the guest (a device check). */
    void deviceAdded(int slot);

    /**
     * Ask the guest to release the device in {@code slot} (an eject request). Fails with a one-line
     * {@link io.hotvisor.vmm.api.VmException} when a request for that slot is already pending.
     */
    void removalRequested(int slot);
}
