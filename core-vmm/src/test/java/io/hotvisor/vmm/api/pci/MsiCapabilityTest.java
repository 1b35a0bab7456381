package io.hotvisor.vmm.api.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.testing.RecordingInterrupts;
import java.util.List;
import org.junit.jupiter.api.Test;

class MsiCapabilityTest {
    private final RecordingInterrupts interrupts = new RecordingInterrupts();
    private final List<String> log = interrupts.log;
    private final PciConfiguration config = new PciConfiguration(0x8086, 0x100e, 0x020000, 0);
    private final MsiCapability msi = new MsiCapability(config, interrupts, 4);
    private final int at = config.getByte(PciConfiguration.CAPABILITIES_POINTER);

    private void write(int offset, int value, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        config.write(at + offset, data);
    }

    private void program(int vectorsExponent) {
        write(4, 0xFEE0_0000, 4);
        write(8, 0, 4);
        write(12, 0x40, 2);
        write(2, 1 | vectorsExponent << 4, 2);
    }

    @Test
    void theCapabilityIs64BitWithPerVectorMasksAndItsReadOnlyBitsStay() {
        assertThat(config.getByte(at)).isEqualTo(MsiCapability.CAPABILITY_ID);
        assertThat(config.getShort(at + 2)).as("4 vectors capable, 64-bit, maskable").isEqualTo(2 << 1 | 0x80 | 0x100);
        write(2, 0xFFFF, 2);
        assertThat(config.getShort(at + 2)).isEqualTo(0x71 | 2 << 1 | 0x80 | 0x100);
        write(20, 0xFFFF_FFFF, 4);
        assertThat(config.getInt(at + 20)).as("pending bits are the device's").isZero();
    }

    @Test
    void offUntilEnabledThenEachVectorIsRoutedWithItsNumberInTheData() {
        assertThat(msi.notify(0)).isFalse();
        program(1); // two vectors enabled

        assertThat(msi.notify(1)).isTrue();
        assertThat(msi.notify(3)).as("not enabled: nothing raised").isTrue();

        assertThat(log).containsSubsequence("allocate 25", "route 25 0xfee00000/0x41", "trigger 25");
        assertThat(log).noneMatch(line -> line.contains("0x43"));
    }

    @Test
    void aMaskedVectorIsPendingAndFiresWhenUnmasked() {
        write(16, 0x1, 4);
        program(0);

        msi.notify(0);
        assertThat(config.getInt(at + 20)).isEqualTo(1);
        assertThat(log).doesNotContain("trigger 24");

        write(16, 0, 4);
        assertThat(config.getInt(at + 20)).isZero();
        assertThat(log).contains("trigger 24");
    }

    @Test
    void disablingOrClosingReleasesTheVectors() {
        program(0);
        write(2, 0, 2);
        assertThat(log).contains("close 24");
        program(0);
        msi.close();
        assertThat(log).endsWith("close 25");
    }

    @Test
    void vectorCountsThatAreNotPowersOfTwoAreRefused() {
        assertThatThrownBy(() -> new MsiCapability(new PciConfiguration(1, 2, 0, 0), interrupts, 3))
                .hasMessageContaining("power of two");
    }
}
