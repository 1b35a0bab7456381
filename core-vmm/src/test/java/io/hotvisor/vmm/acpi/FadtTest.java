package io.hotvisor.vmm.acpi;

import static io.hotvisor.vmm.acpi.AcpiTablesTest.le;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Field offsets as in ACPI 6.5 Table 5.9. */
class FadtTest {
    private static final long DSDT = 0xE0188;

    @Test
    void isRevision6Point3AndFullLength() {
        ByteBuffer fadt = le(Fadt.build(DSDT, true));

        assertThat(fadt.capacity()).isEqualTo(276);
        assertThat(fadt.getInt(4)).isEqualTo(276);
        assertThat(fadt.get(8)).as("revision").isEqualTo((byte) 6);
        assertThat(fadt.get(131)).as("minor version").isEqualTo((byte) 3);
    }

    @Test
    void isHardwareReducedWithResetRegisterAnd32BitTimer() {
        int flags = le(Fadt.build(DSDT, true)).getInt(112);

        assertThat(flags & (1 << 20)).as("HW_REDUCED_ACPI").isNotZero();
        assertThat(flags & (1 << 10)).as("RESET_REG_SUP").isNotZero();
        assertThat(flags & (1 << 8)).as("TMR_VAL_EXT").isNotZero();
        assertThat(flags & (1 << 4)).as("PWR_BUTTON: control-method power button").isNotZero();
        assertThat(flags & (1 << 5)).as("SLP_BUTTON: no fixed sleep button").isNotZero();
        assertThat(flags & ~((1 << 20) | (1 << 10) | (1 << 8) | (1 << 4) | (1 << 5))).isZero();
    }

    @Test
    void bootArchitectureFlagsDescribeWhatIsEmulated() {
        assertThat(le(Fadt.build(DSDT, true)).getShort(109)).as("no VGA, no ASPM control, CMOS RTC present")
                .isEqualTo((short) ((1 << 2) | (1 << 4)));
        assertThat(le(Fadt.build(DSDT, false)).getShort(109)).as("and without a CMOS RTC")
                .isEqualTo((short) ((1 << 2) | (1 << 4) | (1 << 5)));
    }

    @Test
    void registersAreTheSleepResetPortAndThePmTimer() {
        byte[] fadt = Fadt.build(DSDT, true);
        // GAS: SystemIO, 8 bits, offset 0, byte access, port 0x600
        byte[] sleepAndReset = {0x01, 0x08, 0x00, 0x01, 0x00, 0x06, 0, 0, 0, 0, 0, 0};

        assertThat(Arrays.copyOfRange(fadt, 116, 128)).as("RESET_REG").isEqualTo(sleepAndReset);
        assertThat(fadt[128]).as("RESET_VALUE").isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(fadt, 244, 256)).as("SLEEP_CONTROL_REG").isEqualTo(sleepAndReset);
        assertThat(Arrays.copyOfRange(fadt, 256, 268)).as("SLEEP_STATUS_REG").isEqualTo(sleepAndReset);
        assertThat(Arrays.copyOfRange(fadt, 208, 220)).as("X_PM_TMR_BLK: SystemIO, 32 bits, dword access, 0x608")
                .isEqualTo(new byte[] {0x01, 0x20, 0x00, 0x03, 0x08, 0x06, 0, 0, 0, 0, 0, 0});
        assertThat(fadt[91]).as("PM_TMR_LEN").isEqualTo((byte) 4);
        assertThat(le(fadt).getInt(76)).as("no legacy PM_TMR_BLK beside the X one").isZero();
    }

    @Test
    void pointsAtTheDsdtWithTheSixtyFourBitFieldAndNamesTheHypervisor() {
        ByteBuffer fadt = le(Fadt.build(DSDT, true));

        assertThat(fadt.getLong(140)).as("X_DSDT").isEqualTo(DSDT);
        assertThat(fadt.getInt(40)).as("DSDT").isZero();
        assertThat(fadt.getInt(36)).as("FIRMWARE_CTRL: no FACS").isZero();
        assertThat(fadt.getLong(132)).as("X_FIRMWARE_CTRL").isZero();
        assertThat(fadt.getShort(46)).as("SCI_INT: none, hardware-reduced").isZero();
        assertThat(new String(fadt.array(), 268, 8)).isEqualTo("HVSR\0\0\0\0");
    }
}
