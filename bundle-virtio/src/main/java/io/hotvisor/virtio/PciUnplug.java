package io.hotvisor.virtio;

import io.hotvisor.vmm.api.VmException;

/** Removal of a PCI device asks the guest first, through ACPI PCI hotplug, which the core lacks so far. */
final class PciUnplug {
    private PciUnplug() {
    }

    static VmException notSupported(String driver) {
        return new VmException("not supported: removing a " + driver
                + " device needs ACPI PCI hotplug, which this Hotvisor does not have yet; stop the VM instead");
    }
}
