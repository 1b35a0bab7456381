package io.hotvisor.vmm.api.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.testing.RecordingInterrupts;
import java.util.List;
import org.junit.jupiter.api.Test;

class MsixCapabilityTest {
    private static final int BAR = 1;
    private static final long TABLE = 0x2000;
    private static final long PBA = 0x3000;

    private final RecordingInterrupts interrupts = new RecordingInterrupts();
    private final List<String> log = interrupts.log;
    private final PciConfiguration config = new PciConfiguration(0x1af4, 0x1044, 0xff0000, 0)
            .bar(PciBar.memory32(BAR, 0x4000));
    private final MsixCapability msix = new MsixCapability(config, interrupts, 3, BAR, TABLE, PBA);
    private final int capability = config.getByte(PciConfiguration.CAPABILITIES_POINTER);

    @Test
    void theCapabilityDescribesTheTableAndPbaReadOnly() {
        assertThat(config.getByte(capability)).isEqualTo(MsixCapability.CAPABILITY_ID);
        assertThat(config.getShort(capability + 2)).as("table size - 1").isEqualTo(2);
        assertThat(config.getInt(capability + 4)).isEqualTo((int) TABLE | BAR);
        assertThat(config.getInt(capability + 8)).isEqualTo((int) PBA | BAR);
        config.write(capability + 2, new byte[] {(byte) 0xFF, (byte) 0xFF});
        config.write(capability + 4, new byte[] {0, 0, 0, 0});
        assertThat(config.getShort(capability + 2)).isEqualTo(0xC002);
        assertThat(config.getInt(capability + 4)).isEqualTo((int) TABLE | BAR);
        assertThat(msix.covers(BAR, TABLE + 47)).isTrue();
        assertThat(msix.covers(BAR, TABLE + 48)).isFalse();
        assertThat(msix.covers(0, TABLE)).isFalse();
    }

    @Test
    void vectorsStartMaskedAndNothingIsRoutedBeforeTheGuestEnablesMsix() {
        assertThat(readTable(12)).isEqualTo(1);
        assertThat(msix.notify(0)).as("MSI-X off: the device falls back to INTx").isFalse();
        assertThat(log).isEmpty();
    }

    @Test
    void anUnmaskedVectorIsRoutedWhereItsEntryPointsAndTriggers() {
        programEntry(1, 0xFEE0_0000L, 0x41);
        enable(true, false);
        assertThat(log).isEmpty();

        writeTable(16 + 12, 0);
        assertThat(msix.notify(1)).isTrue();

        assertThat(log).containsExactly("allocate 24", "route 24 0xfee00000/0x41", "trigger 24");
    }

    @Test
    void aMaskedVectorIsPendingAndFiresOnUnmask() {
        programEntry(0, 0xFEE0_1000L, 0x42);
        enable(true, false);

        msix.notify(0);
        assertThat(readPba()).isEqualTo(1);
        assertThat(log).isEmpty();

        writeTable(12, 0);
        assertThat(readPba()).isZero();
        assertThat(log).containsExactly("allocate 24", "route 24 0xfee01000/0x42", "trigger 24");
    }

    @Test
    void theFunctionMaskHoldsEveryVectorBack() {
        programEntry(2, 0xFEE0_0000L, 0x43);
        writeTable(32 + 12, 0);
        enable(true, true);

        msix.notify(2);
        assertThat(log).isEmpty();

        enable(true, false);
        assertThat(log).containsExactly("allocate 24", "route 24 0xfee00000/0x43", "trigger 24");
    }

    @Test
    void disablingOrClosingReleasesTheVectors() {
        programEntry(0, 0xFEE0_0000L, 0x41);
        writeTable(12, 0);
        enable(true, false);
        enable(false, false);
        assertThat(log).containsExactly("allocate 24", "route 24 0xfee00000/0x41", "close 24");

        enable(true, false);
        msix.close();
        assertThat(log).endsWith("allocate 25", "route 25 0xfee00000/0x41", "close 25");
    }

    @Test
    void theGuestCannotWriteThePbaAndOutOfRangeVectorsRaiseNothing() {
        enable(true, false);
        msix.write(PBA, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});

        assertThat(readPba()).isZero();
        assertThat(msix.notify(7)).isTrue();
        assertThat(log).isEmpty();
    }

    @Test
    void aTableThatDoesNotFitItsBarIsRefused() {
        PciConfiguration small = new PciConfiguration(1, 2, 0, 0).bar(PciBar.memory32(0, 0x1000));
        assertThatThrownBy(() -> new MsixCapability(small, interrupts, 256, 0, 0, 0x800))
                .hasMessageContaining("inside BAR 0");
    }

    private void enable(boolean enabled, boolean functionMask) {
        int control = (enabled ? 0x8000 : 0) | (functionMask ? 0x4000 : 0);
        config.write(capability + 3, new byte[] {(byte) (control >>> 8)});
    }

    private void programEntry(int vector, long address, int data) {
        writeTable(16L * vector, (int) address);
        writeTable(16L * vector + 4, (int) (address >>> 32));
        writeTable(16L * vector + 8, data);
    }

    private void writeTable(long offset, int value) {
        msix.write(TABLE + offset, new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }

    private int readTable(long offset) {
        byte[] data = new byte[4];
        msix.read(TABLE + offset, data);
        return (data[0] & 0xFF) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | (data[3] & 0xFF) << 24;
    }

    private long readPba() {
        byte[] data = new byte[8];
        msix.read(PBA, data);
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = value << 8 | (data[i] & 0xFF);
        }
        return value;
    }
}
