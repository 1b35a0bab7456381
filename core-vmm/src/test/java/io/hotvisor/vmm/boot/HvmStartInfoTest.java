package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Layout against include/xen/interface/hvm/start_info.h (the offsets in its comment). */
class HvmStartInfoTest {
    private static final List<E820Entry> MAP = List.of(
            new E820Entry(0, 0xA0000, E820Entry.Type.RAM),
            new E820Entry(0xA0000, 0x60000, E820Entry.Type.RESERVED),
            new E820Entry(0x10_0000, 0x3F0_0000, E820Entry.Type.RAM));

    @Test
    void offsetsAndSizesMatchStartInfoH() {
        assertThat(HvmStartInfo.MAGIC).as("XEN_HVM_START_MAGIC_VALUE").isEqualTo(0x336ec578);
        assertThat(new int[] {HvmStartInfo.MAGIC_OFFSET, HvmStartInfo.VERSION_OFFSET, HvmStartInfo.FLAGS_OFFSET,
                HvmStartInfo.NR_MODULES_OFFSET, HvmStartInfo.MODLIST_PADDR_OFFSET, HvmStartInfo.CMDLINE_PADDR_OFFSET,
                HvmStartInfo.RSDP_PADDR_OFFSET, HvmStartInfo.MEMMAP_PADDR_OFFSET, HvmStartInfo.MEMMAP_ENTRIES_OFFSET,
                HvmStartInfo.RESERVED_OFFSET, HvmStartInfo.SIZE})
                .as("magic, version, flags, nr_modules, modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr,"
                        + " memmap_entries, reserved; size")
                .containsExactly(0, 4, 8, 12, 16, 24, 32, 40, 48, 52, 56);
        assertThat(HvmStartInfo.MODLIST_ENTRY_SIZE).isEqualTo(32);
        assertThat(HvmStartInfo.MEMMAP_ENTRY_SIZE).isEqualTo(24);
    }

    @Test
    void encodesVersionOneWithTheMemoryMap() {
        HvmStartInfo info = new HvmStartInfo(0x20000, 0x6040, List.of(new HvmStartInfo.Module(0x7F00_0000L, 12345, 0)),
                0xE0000, 0x6080, MAP);
        ByteBuffer le = littleEndian(info.encode(), 56);

        assertThat(le.getInt(0)).isEqualTo(0x336ec578);
        assertThat(le.getInt(4)).as("version").isEqualTo(1);
        assertThat(le.getInt(8)).as("flags").isZero();
        assertThat(le.getInt(12)).as("nr_modules").isEqualTo(1);
        assertThat(le.getLong(16)).as("modlist_paddr").isEqualTo(0x6040);
        assertThat(le.getLong(24)).as("cmdline_paddr").isEqualTo(0x20000);
        assertThat(le.getLong(32)).as("rsdp_paddr").isEqualTo(0xE0000);
        assertThat(le.getLong(40)).as("memmap_paddr").isEqualTo(0x6080);
        assertThat(le.getInt(48)).as("memmap_entries").isEqualTo(3);
        assertThat(le.getInt(52)).as("reserved").isZero();
    }

    @Test
    void encodesTheModuleList() {
        HvmStartInfo info = new HvmStartInfo(0x20000, 0x6040, List.of(new HvmStartInfo.Module(0x7F00_0000L, 12345, 0x21000)),
                0, 0x6080, MAP);
        ByteBuffer le = littleEndian(info.encodeModules(), 32);

        assertThat(le.getLong(0)).as("paddr").isEqualTo(0x7F00_0000L);
        assertThat(le.getLong(8)).as("size").isEqualTo(12345);
        assertThat(le.getLong(16)).as("cmdline_paddr").isEqualTo(0x21000);
        assertThat(le.getLong(24)).as("reserved").isZero();
    }

    @Test
    void encodesTheMemoryMapWithE820Types() {
        HvmStartInfo info = new HvmStartInfo(0, 0, List.of(), 0, 0x6080, MAP);
        ByteBuffer le = littleEndian(info.encodeMemoryMap(), 3 * 24);

        assertThat(le.getLong(24)).as("addr").isEqualTo(0xA0000);
        assertThat(le.getLong(32)).as("size").isEqualTo(0x60000);
        assertThat(le.getInt(40)).as("type: XEN_HVM_MEMMAP_TYPE_RESERVED").isEqualTo(2);
        assertThat(le.getInt(44)).as("reserved").isZero();
        assertThat(le.getInt(64)).as("type: XEN_HVM_MEMMAP_TYPE_RAM").isEqualTo(1);
    }

    @Test
    void withoutModulesTheListAddressIsZero() {
        HvmStartInfo info = new HvmStartInfo(0x20000, 0x6040, List.of(), 0, 0x6080, MAP);
        ByteBuffer le = littleEndian(info.encode(), 56);

        assertThat(le.getInt(12)).isZero();
        assertThat(le.getLong(16)).isZero();
        assertThat(info.encodeModules()).isEmpty();
    }

    @Test
    void requiresAMemoryMap() {
        assertThatThrownBy(() -> new HvmStartInfo(0x20000, 0, List.of(), 0, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory map");
    }

    /** The bytes as start_info.h's little-endian structs, once they have the size it gives. */
    private static ByteBuffer littleEndian(byte[] bytes, int size) {
        assertThat(bytes).hasSize(size);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
