package io.hotvisor.vmm.api.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PciConfigurationTest {
    private final PciConfiguration config = new PciConfiguration(0x1af4, 0x1044, 0x00ff00, 1);

    @Test
    void identityIsReadOnly() {
        write(PciConfiguration.VENDOR_ID, 0xFFFF_FFFF);
        write(PciConfiguration.REVISION_ID, 0xFFFF_FFFF);

        assertThat(read(PciConfiguration.VENDOR_ID, 4)).isEqualTo(0x1044_1af4);
        assertThat(read(PciConfiguration.REVISION_ID, 4)).isEqualTo(0x00ff_0001);
        assertThat(read(PciConfiguration.HEADER_TYPE, 1)).isZero();
    }

    @Test
    void commandKeepsOnlyItsWritableBits() {
        write(PciConfiguration.COMMAND, 0xFFFF, 2);

        assertThat(read(PciConfiguration.COMMAND, 2)).isEqualTo(0x0547);
        assertThat(config.commandSet(PciConfiguration.COMMAND_MEMORY | PciConfiguration.COMMAND_INTX_DISABLE)).isTrue();
    }

    @Test
    void statusErrorBitsClearWhenOneIsWrittenAndOthersIgnoreWrites() {
        config.putShort(PciConfiguration.STATUS, 0xF900 | PciConfiguration.STATUS_INTERRUPT);

        write(PciConfiguration.STATUS, 0x0800 | PciConfiguration.STATUS_INTERRUPT, 2);

        assertThat(read(PciConfiguration.STATUS, 2)).isEqualTo(0xF100 | PciConfiguration.STATUS_INTERRUPT);
        write(PciConfiguration.STATUS, 0, 2);
        assertThat(read(PciConfiguration.STATUS, 2)).isEqualTo(0xF100 | PciConfiguration.STATUS_INTERRUPT);
    }

    @Test
    void a32BitBarSizesAndKeepsItsTypeBits() {
        config.bar(PciBar.memory32(0, 0x4000));
        config.barAddress(0, 0xC000_4000L);

        write(PciConfiguration.BAR0, 0xFFFF_FFFF);
        assertThat(read(PciConfiguration.BAR0, 4)).isEqualTo(0xFFFF_C000);

        write(PciConfiguration.BAR0, 0xD000_0007);
        assertThat(read(PciConfiguration.BAR0, 4)).isEqualTo(0xD000_0000);
        assertThat(config.barAddress(0)).isEqualTo(0xD000_0000L);
    }

    @Test
    void a64BitPrefetchableBarSizesAcrossBothRegisters() {
        config.bar(PciBar.memory64(2, 1L << 33, true));

        write(PciConfiguration.BAR0 + 8, 0xFFFF_FFFF);
        write(PciConfiguration.BAR0 + 12, 0xFFFF_FFFF);

        assertThat(read(PciConfiguration.BAR0 + 8, 4)).isEqualTo(0x0000_000C);
        assertThat(read(PciConfiguration.BAR0 + 12, 4)).isEqualTo(0xFFFF_FFFE);
        write(PciConfiguration.BAR0 + 8, 0);
        write(PciConfiguration.BAR0 + 12, 0x8);
        assertThat(config.barAddress(2)).isEqualTo(0x8_0000_0000L);
    }

    @Test
    void anIoBarSizesInPortGranularity() {
        config.bar(PciBar.io(1, 0x20));

        write(PciConfiguration.BAR0 + 4, 0xFFFF_FFFF);

        assertThat(read(PciConfiguration.BAR0 + 4, 4)).isEqualTo(0xFFFF_FFE1);
    }

    @Test
    void barsThatOverlapOrMisalignAreRefused() {
        config.bar(PciBar.memory64(0, 0x1000, false));

        assertThatThrownBy(() -> config.bar(PciBar.memory32(1, 0x1000))).hasMessageContaining("BAR register 1");
        assertThatThrownBy(() -> config.barAddress(0, 0x1800)).hasMessageContaining("not aligned");
        assertThatThrownBy(() -> PciBar.memory32(0, 0x1800)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> PciBar.memory64(5, 0x1000, false)).hasMessageContaining("BARs 0-5");
    }

    @Test
    void capabilitiesFormAListFromThePointerAndHearTheirWrites() {
        List<String> heard = new ArrayList<>();
        int first = config.addCapability(0x11, 12, (offset, length) -> heard.add("msix " + offset + "+" + length));
        int second = config.addCapability(0x09, 5, (offset, length) -> heard.add("vendor " + offset + "+" + length));
        config.setWritable(first + 2, 2, 0xC000);

        assertThat(read(PciConfiguration.STATUS, 2) & PciConfiguration.STATUS_CAPABILITIES).isNotZero();
        int pointer = read(PciConfiguration.CAPABILITIES_POINTER, 1);
        List<Integer> walked = new ArrayList<>();
        while (pointer != 0) {
            walked.add(read(pointer, 1));
            pointer = read(pointer + 1, 1);
        }
        assertThat(walked).containsExactly(0x11, 0x09);
        assertThat(second % 4).isZero();

        write(first + 2, 0xFFFF, 2);
        assertThat(read(first + 2, 2)).isEqualTo(0xC000);
        assertThat(heard).containsExactly("msix 2+2");
    }

    @Test
    void accessesBeyondTheConventionalSpaceReadZeroAndAreIgnored() {
        write(0x100, 0xFFFF_FFFF);

        assertThat(read(0x100, 4)).isZero();
        assertThat(read(0xFFC, 4)).isZero();
    }

    private int read(int offset, int length) {
        byte[] data = new byte[length];
        config.read(offset, data);
        int value = 0;
        for (int i = length - 1; i >= 0; i--) {
            value = value << 8 | (data[i] & 0xFF);
        }
        return value;
    }

    private void write(int offset, int value) {
        write(offset, value, 4);
    }

    private void write(int offset, int value, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        config.write(offset, data);
    }
}
