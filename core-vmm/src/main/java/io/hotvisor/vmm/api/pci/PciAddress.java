package io.hotvisor.vmm.api.pci;

import io.hotvisor.vmm.api.VmException;
import java.util.Locale;

/** A PCI function's place: segment, bus, device (slot) and function, printed as lspci does. */
public record PciAddress(int segment, int bus, int slot, int function) {
    public static final int SLOTS_PER_BUS = 32;
    public static final int FUNCTIONS_PER_SLOT = 8;

    public PciAddress {
        if (segment < 0 || segment > 0xFFFF || bus < 0 || bus > 0xFF || slot < 0 || slot >= SLOTS_PER_BUS
                || function < 0 || function >= FUNCTIONS_PER_SLOT) {
            throw new IllegalArgumentException(String.format("no such PCI address %04x:%02x:%02x.%x",
                    segment, bus, slot, function));
        }
    }

    /** Function 0 of a slot on segment 0, bus 0. */
    public static PciAddress bus0(int slot) {
        return new PciAddress(0, 0, slot, 0);
    }

    /**
     * The slot of QEMU's {@code addr=SLOT[.FUNCTION]} property: hex, optionally 0x-prefixed,
     * function 0 only; anything else fails with a one-line {@link VmException} naming {@code owner}.
     */
    public static int parseSlot(String owner, String addr) {
        String slot = addr.trim().toLowerCase(Locale.ROOT);
        if (slot.endsWith(".0")) {
            slot = slot.substring(0, slot.length() - 2);
        }
        try {
            return Integer.parseInt(slot.startsWith("0x") ? slot.substring(2) : slot, 16);
        } catch (NumberFormatException e) {
            throw new VmException(owner + ": addr '" + addr + "' is not a slot number (hex, function 0)");
        }
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, slot, function);
    }
}
