package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.arch.Layout;

/**
 * The PCIe host bridge the tables describe: its ECAM window and bus range (MCFG, and the PNP0C02
 * reservation Linux wants before it uses MCFG; pitfalls item 14) and the MMIO windows it forwards
 * (PCI0 {@code _CRS}). MCFG and the reservation are both derived from here, so they always agree.
 */
public record PciHostBridge(long ecamBase, int startBus, int endBus, AddressRange mmio32Window,
                            AddressRange mmio64Window) {
    private static final int ECAM_BYTES_PER_BUS = 1 << 20;
    private static final long FOUR_GIB = 1L << 32;
    /** INTx goes to the IOAPIC inputs above the ISA ones, which no other device uses. */
    public static final int INTX_FIRST_GSI = 16;
    public static final int INTX_GSIS = 8;

    public PciHostBridge {
        if (startBus < 0 || startBus > endBus || endBus > 0xFF) {
            throw new IllegalArgumentException("PCI bus range " + startBus + "-" + endBus + " must lie within 0-255");
        }
        if (ecamBase % ECAM_BYTES_PER_BUS != 0 || ecamBase + ((long) endBus + 1) * ECAM_BYTES_PER_BUS > FOUR_GIB) {
            throw new IllegalArgumentException(String.format(
                    "ECAM at 0x%x must be 1 MiB aligned and end below 4 GiB (its reservation is a Memory32Fixed)", ecamBase));
        }
        if (mmio32Window.end() > FOUR_GIB) {
            throw new IllegalArgumentException("32-bit MMIO window " + mmio32Window + " must end below 4 GiB");
        }
        if (mmio64Window.base() < FOUR_GIB) {
            throw new IllegalArgumentException("64-bit MMIO window " + mmio64Window + " must start at or above 4 GiB");
        }
    }

    /** Bus 0 only, ECAM and the 32-bit window where DESIGN.md §4 puts them; the 64-bit window follows RAM. */
    public static PciHostBridge bus0(AddressRange mmio64Window) {
        return new PciHostBridge(Layout.PCIE_ECAM_START, 0, 0,
                new AddressRange(Layout.MMIO_32_START, Layout.MMIO_32_SIZE), mmio64Window);
    }

    /** The part of ECAM the bus range uses: what MCFG describes and what must be reserved. */
    public AddressRange ecamInUse() {
        return new AddressRange(ecamBase + (long) startBus * ECAM_BYTES_PER_BUS,
                (long) (endBus - startBus + 1) * ECAM_BYTES_PER_BUS);
    }

    /**
     * The GSI that a bus-0 slot's pin (1 = INTA# ... 4 = INTD#) raises: {@code _PRT} says so and
     * the bus drives it (the usual swizzle, spread over {@link #INTX_GSIS} shared lines).
     */
    public static int intxGsi(int slot, int pin) {
        return INTX_FIRST_GSI + (slot + pin - 1) % INTX_GSIS;
    }
}
