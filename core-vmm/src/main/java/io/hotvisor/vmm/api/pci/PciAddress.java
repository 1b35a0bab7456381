package io.hotvisor.vmm.api.pci;

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

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, slot, function);
    }
}
