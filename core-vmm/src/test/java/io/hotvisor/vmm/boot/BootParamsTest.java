package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Offsets here are written out as in boot.rst and zero-page.rst, not taken from the constants. */
class BootParamsTest {
    private static final byte[] IMAGE = new TestKernels.Synthetic().build();
    private static final byte[] HEADER = Arrays.copyOfRange(IMAGE, 0x1F1, 0x26C);

    @Test
    void copiesTheSetupHeaderTo0x1F1() {
        ByteBuffer page = encode(new BootParams(HEADER));

        assertThat(page.capacity()).isEqualTo(4096);
        assertThat(page.get(0x1F1)).isEqualTo((byte) 2); // setup_sects
        assertThat(page.getInt(0x1F4)).isEqualTo(0x100); // syssize
        assertThat(page.getShort(0x1FE)).isEqualTo((short) 0xAA55); // boot_flag
        assertThat(page.getInt(0x202)).isEqualTo(0x53726448); // header "HdrS"
        assertThat(page.getShort(0x206)).isEqualTo((short) 0x020F); // version
        assertThat(page.getInt(0x22C)).isEqualTo(0x7FFF_FFFF); // initrd_addr_max
        assertThat(page.getShort(0x236)).isEqualTo((short) 3); // xloadflags
        assertThat(page.getInt(0x238)).isEqualTo(2047); // cmdline_size
        assertThat(page.getLong(0x258)).isEqualTo(0x100_0000L); // pref_address
        assertThat(page.getInt(0x260)).isEqualTo(0x200_0000); // init_size
    }

    @Test
    void fillsTheObligatoryLoaderFields() {
        ByteBuffer page = encode(new BootParams(HEADER));

        assertThat(Byte.toUnsignedInt(page.get(0x210))).isEqualTo(0xFF); // type_of_loader
        assertThat(Short.toUnsignedInt(page.getShort(0x1FA))).isEqualTo(0xFFFF); // vid_mode
        assertThat(Byte.toUnsignedInt(page.get(0x211))).isEqualTo(0x81); // loadflags: LOADED_HIGH | CAN_USE_HEAP
        assertThat(Short.toUnsignedInt(page.getShort(0x224))).isEqualTo(0xFE00); // heap_end_ptr
    }

    @Test
    void splitsSixtyFourBitAddressesIntoTheExtFields() {
        ByteBuffer page = encode(new BootParams(HEADER)
                .commandLine(0x1_2345_6789L)
                .ramdisk(0x2_8000_0000L, 0x1_0000_1000L));

        assertThat(page.getInt(0x228)).isEqualTo(0x2345_6789); // cmd_line_ptr
        assertThat(page.getInt(0x0C8)).isEqualTo(1); // ext_cmd_line_ptr
        assertThat(page.getInt(0x218)).isEqualTo(0x8000_0000); // ramdisk_image
        assertThat(page.getInt(0x0C0)).isEqualTo(2); // ext_ramdisk_image
        assertThat(page.getInt(0x21C)).isEqualTo(0x1000); // ramdisk_size
        assertThat(page.getInt(0x0C4)).isEqualTo(1); // ext_ramdisk_size
    }

    @Test
    void lowAddressesLeaveTheExtFieldsZero() {
        ByteBuffer page = encode(new BootParams(HEADER).commandLine(0x2_0000).ramdisk(0x7000_0000L, 0x40_0000));

        assertThat(page.getInt(0x228)).isEqualTo(0x2_0000);
        assertThat(page.getInt(0x0C8)).isZero();
        assertThat(page.getInt(0x218)).isEqualTo(0x7000_0000);
        assertThat(page.getInt(0x0C0)).isZero();
        assertThat(page.getInt(0x21C)).isEqualTo(0x40_0000);
        assertThat(page.getInt(0x0C4)).isZero();
    }

    @Test
    void putsTheAcpiRsdpAddressInBootParamsProperAt0x070() {
        ByteBuffer page = encode(new BootParams(HEADER).acpiRsdp(0xE_0000L));

        assertThat(page.getLong(0x070)).isEqualTo(0xE_0000L);
        // 0x258 is pref_address, the setup-header slot that protocol 2.14 briefly used.
        assertThat(page.getLong(0x258)).isEqualTo(0x100_0000L);
    }

    @Test
    void writesTheE820Table() {
        List<E820Entry> map = List.of(
                new E820Entry(0, 0xA_0000L, E820Entry.Type.RAM),
                new E820Entry(0xA_0000L, 0x6_0000L, E820Entry.Type.RESERVED),
                new E820Entry(0x10_0000L, 0xBFF0_0000L, E820Entry.Type.RAM),
                new E820Entry(0x1_0000_0000L, 0x4000_0000L, E820Entry.Type.RAM));

        ByteBuffer page = encode(new BootParams(HEADER).e820(map));

        assertThat(page.get(0x1E8)).isEqualTo((byte) 4); // e820_entries
        for (int i = 0; i < map.size(); i++) {
            int at = 0x2D0 + 20 * i;
            assertThat(page.getLong(at)).as("addr of entry %d", i).isEqualTo(map.get(i).address());
            assertThat(page.getLong(at + 8)).as("size of entry %d", i).isEqualTo(map.get(i).size());
            assertThat(page.getInt(at + 16)).as("type of entry %d", i).isEqualTo(map.get(i).type().code());
        }
        assertThat(page.getInt(0x2D0 + 20 * 4)).isZero();
    }

    @Test
    void acceptsAFullTableAndRejectsOneEntryMore() {
        List<E820Entry> map = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            map.add(new E820Entry(i * 0x1000L, 0x1000, E820Entry.Type.RAM));
        }
        ByteBuffer page = encode(new BootParams(HEADER).e820(map));
        assertThat(Byte.toUnsignedInt(page.get(0x1E8))).isEqualTo(128);
        assertThat(page.getLong(0x2D0 + 20 * 127)).isEqualTo(127 * 0x1000L);
        assertThat(page.getInt(0xCD0)).isZero(); // _pad8 after the table

        map.add(new E820Entry(128 * 0x1000L, 0x1000, E820Entry.Type.RAM));
        assertThatThrownBy(() -> new BootParams(HEADER).e820(map))
                .isInstanceOf(BootImageException.class)
                .hasMessage("e820 map has 129 entries; the zero page holds at most 128");
    }

    @Test
    void leavesEverythingElseZero() {
        byte[] page = new BootParams(HEADER)
                .commandLine(0x2_0000)
                .acpiRsdp(0xE_0000L)
                .e820(List.of(new E820Entry(0, 0x1000, E820Entry.Type.RAM)))
                .encode();

        byte[] expected = new byte[4096];
        ByteBuffer le = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN);
        le.put(0x1F1, HEADER);
        le.put(0x210, (byte) 0xFF).putShort(0x1FA, (short) 0xFFFF).put(0x211, (byte) 0x81).putShort(0x224, (short) 0xFE00);
        le.putInt(0x228, 0x2_0000).putLong(0x070, 0xE_0000L).put(0x1E8, (byte) 1);
        le.putLong(0x2D0, 0).putLong(0x2D8, 0x1000).putInt(0x2E0, 1);
        assertThat(page).containsExactly(expected);
    }

    @Test
    void encodesIntoABufferAtItsPosition() {
        ByteBuffer memory = ByteBuffer.allocateDirect(0x3000);
        memory.position(0x1000);

        new BootParams(HEADER).commandLine(0x2_0000).encodeTo(memory);

        assertThat(memory.position()).isEqualTo(0x2000);
        assertThat(memory.order(ByteOrder.LITTLE_ENDIAN).getInt(0x1000 + 0x228)).isEqualTo(0x2_0000);
        assertThat(memory.get(0x1000 + 0x210)).isEqualTo((byte) 0xFF);
        assertThatThrownBy(() -> new BootParams(HEADER).encodeTo(ByteBuffer.allocate(4095)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsHeadersThatDoNotFitTheZeroPage() {
        assertThatThrownBy(() -> new BootParams(new byte[0x23C - 0x1F1 - 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BootParams(new byte[0x290 - 0x1F1 + 1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void takesTheRealKernelsHeader() throws Exception {
        Path file = TestKernels.guestBzImage();
        byte[] bytes = Files.readAllBytes(file);
        BzImage kernel = BzImage.parse(file);

        ByteBuffer page = encode(BootParams.forKernel(kernel));

        int end = 0x202 + bytes[0x201];
        for (int offset = 0x1F1; offset < end; offset++) {
            boolean loaderField = offset == 0x1FA || offset == 0x1FB || offset == 0x210 || offset == 0x211
                    || (offset >= 0x218 && offset < 0x220) || offset == 0x224 || offset == 0x225
                    || (offset >= 0x228 && offset < 0x22C);
            if (!loaderField) {
                assertThat(page.get(offset)).as("byte at 0x%X", offset).isEqualTo(bytes[offset]);
            }
        }
        assertThat(page.get(end)).isZero();
        assertThat(page.get(0x211) & 0x81).isEqualTo(0x81);
    }

    private static ByteBuffer encode(BootParams params) {
        return ByteBuffer.wrap(params.encode()).order(ByteOrder.LITTLE_ENDIAN);
    }
}
