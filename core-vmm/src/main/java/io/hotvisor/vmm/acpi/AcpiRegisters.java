package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.arch.Layout;

/**
 * The fixed registers the FADT names (DESIGN.md §4), shared with the device model at those ports
 * so both sides decode the same values. One byte at 0x600 is sleep control, sleep status and reset
 * register at once, as in Cloud Hypervisor: writing 1 resets, writing SLP_TYP 5 with SLP_EN
 * ({@code (5 << 2) | (1 << 5)}) powers off.
 */
public final class AcpiRegisters {
    public static final int SLEEP_AND_RESET_PORT = Layout.PORT_ACPI_SLEEP_RESET;
    /** The ACPI PM timer: a 32-bit counter at 3.579545 MHz (the FADT sets TMR_VAL_EXT). */
    public static final int PM_TIMER_PORT = Layout.PORT_ACPI_PM_TIMER;
    public static final int PM_TIMER_BYTES = 4;
    public static final int RESET_VALUE = 1;
    /** The SLP_TYP of soft-off, as the DSDT's {@code \_S5_} package gives it to OSPM. */
    public static final int S5_SLEEP_TYPE = 5;
    private static final int SLEEP_TYPE_SHIFT = 2;
    private static final int SLEEP_TYPE_MASK = 0x7;
    private static final int SLEEP_ENABLE = 1 << 5;

    private AcpiRegisters() {
    }

    /** The value OSPM writes to the sleep control register to enter S5 (ACPI 6.5 §4.8.3.7). */
    public static int softOffRequest() {
        return (S5_SLEEP_TYPE << SLEEP_TYPE_SHIFT) | SLEEP_ENABLE;
    }

    /** Whether a byte written to {@link #SLEEP_AND_RESET_PORT} asks for soft-off. */
    public static boolean isSoftOffRequest(int value) {
        return (value & SLEEP_ENABLE) != 0 && ((value >> SLEEP_TYPE_SHIFT) & SLEEP_TYPE_MASK) == S5_SLEEP_TYPE;
    }

    /** Whether a byte written to {@link #SLEEP_AND_RESET_PORT} asks for a reset. */
    public static boolean isResetRequest(int value) {
        return value == RESET_VALUE;
    }
}
