package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The Fixed ACPI Description Table, revision 6.3 (ACPI 6.5 §5.2.9), for a hardware-reduced
 * machine: no SCI, no PM1/GPE blocks, no FACS. Linux 6.1 honours MADT Online-Capable only from
 * FADT 6.3 on (pitfalls item 2). The registers are the ones {@link AcpiRegisters} names.
 *
 * <p>IA-PC boot architecture flags: no VGA; no 8042 (ours only implements the reset command, so
 * Linux must not probe it for a keyboard; reset goes through the reset register first anyway); no
 * ASPM control by OSPM (meaningless for virtual links); "no CMOS RTC" only when the machine has none.
 * LEGACY_DEVICES stays clear: COM1 is described in the DSDT, nothing needs ISA probing.
 */
final class Fadt {
    static final String SIGNATURE = "FACP";
    static final int REVISION = 6;
    static final int MINOR_REVISION = 3;
    static final int LENGTH = 276;

    static final int IAPC_BOOT_ARCH_OFFSET = 109;
    static final int FLAGS_OFFSET = 112;
    static final int RESET_REGISTER_OFFSET = 116;
    static final int RESET_VALUE_OFFSET = 128;
    static final int MINOR_REVISION_OFFSET = 131;
    static final int X_DSDT_OFFSET = 140;
    static final int X_PM_TIMER_BLOCK_OFFSET = 208;
    static final int SLEEP_CONTROL_REGISTER_OFFSET = 244;
    static final int SLEEP_STATUS_REGISTER_OFFSET = 256;
    static final int HYPERVISOR_VENDOR_OFFSET = 268;
    private static final int PM_TIMER_LENGTH_OFFSET = 91;

    static final int VGA_NOT_PRESENT = 1 << 2;
    static final int PCIE_ASPM_CONTROLS = 1 << 4;
    static final int CMOS_RTC_NOT_PRESENT = 1 << 5;

    static final int TMR_VAL_EXT = 1 << 8;
    static final int RESET_REG_SUP = 1 << 10;
    static final int HW_REDUCED_ACPI = 1 << 20;
    /** The power button is a control-method device (PNP0C0C), not fixed hardware. */
    static final int PWR_BUTTON = 1 << 4;
    /** Set when there is no sleep button, as the spec asks; clear would announce a fixed-hardware one. */
    static final int SLP_BUTTON = 1 << 5;

    private static final String HYPERVISOR_VENDOR = "HVSR";

    private Fadt() {
    }

    static byte[] build(long dsdtAddress, boolean cmosRtc) {
        ByteBuffer table = TableHeader.begin(SIGNATURE, REVISION, LENGTH);
        table.put(PM_TIMER_LENGTH_OFFSET, (byte) AcpiRegisters.PM_TIMER_BYTES);
        table.putShort(IAPC_BOOT_ARCH_OFFSET,
                (short) (VGA_NOT_PRESENT | PCIE_ASPM_CONTROLS | (cmosRtc ? 0 : CMOS_RTC_NOT_PRESENT)));
        table.putInt(FLAGS_OFFSET, HW_REDUCED_ACPI | RESET_REG_SUP | TMR_VAL_EXT | PWR_BUTTON | SLP_BUTTON);
        GenericAddress sleepAndReset = GenericAddress.systemIo(AcpiRegisters.SLEEP_AND_RESET_PORT, 8);
        sleepAndReset.putTo(table.position(RESET_REGISTER_OFFSET));
        table.put(RESET_VALUE_OFFSET, (byte) AcpiRegisters.RESET_VALUE);
        table.put(MINOR_REVISION_OFFSET, (byte) MINOR_REVISION);
        table.putLong(X_DSDT_OFFSET, dsdtAddress);
        GenericAddress.systemIo(AcpiRegisters.PM_TIMER_PORT, 8 * AcpiRegisters.PM_TIMER_BYTES)
                .putTo(table.position(X_PM_TIMER_BLOCK_OFFSET));
        sleepAndReset.putTo(table.position(SLEEP_CONTROL_REGISTER_OFFSET));
        sleepAndReset.putTo(table.position(SLEEP_STATUS_REGISTER_OFFSET));
        table.position(HYPERVISOR_VENDOR_OFFSET).put(HYPERVISOR_VENDOR.getBytes(StandardCharsets.US_ASCII));
        return TableHeader.finish(table.position(LENGTH));
    }
}
