package io.hotvisor.vmm.api;

/**
 * Service of the ACPI GED capability: raises a GED event bit on a VM, which interrupts the guest
 * and makes its {@code _EVT} call the scan method registered for that bit. Controllers reach the
 * GED only through this interface, never through the GED bundle.
 */
public interface GedEvents {
    /** The GED's {@link MachineCapability#name()}. */
    String CAPABILITY = "acpi-ged";
    int CPU = 0x1;
    int MEMORY = 0x2;
    int PCI = 0x4;
    int POWER_BUTTON = 0x8;
    /** Bits from here on are handed to further capabilities. */
    int FIRST_FREE = 0x10;

    void raise(Vm vm, int bit);
}
