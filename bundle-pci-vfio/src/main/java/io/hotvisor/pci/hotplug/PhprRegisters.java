package io.hotvisor.pci.hotplug;

/**
 * Cloud Hypervisor's PCI hotplug controller: 16 bytes of dwords at the start of the capability's
 * register page. {@link PciHotplugAml} and {@link PhprController} agree on these.
 */
final class PhprRegisters {
    private PhprRegisters() {
    }

    static final int LENGTH = 0x10;
    /** Read: a bit per slot that a device was added to since the last read (the read clears it). */
    static final int PCIU = 0x0;
    /** Read: a bit per slot the host asks the guest to eject, since the last read (the read clears it). */
    static final int PCID = 0x4;
    /** Write: a bit per slot the guest has released (its _EJ0). */
    static final int B0EJ = 0x8;
    /** The segment the other registers speak of; Hotvisor has segment 0 only. */
    static final int PSEG = 0xC;
}
