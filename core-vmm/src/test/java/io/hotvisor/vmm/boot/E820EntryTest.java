package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class E820EntryTest {
    @Test
    void typesCarryTheirE820Numbers() {
        assertThat(E820Entry.Type.RAM.code()).isEqualTo(1);
        assertThat(E820Entry.Type.RESERVED.code()).isEqualTo(2);
        assertThat(E820Entry.Type.ACPI.code()).isEqualTo(3);
        assertThat(E820Entry.Type.NVS.code()).isEqualTo(4);
        assertThat(E820Entry.Type.UNUSABLE.code()).isEqualTo(5);
        for (E820Entry.Type type : E820Entry.Type.values()) {
            assertThat(E820Entry.Type.fromCode(type.code())).isSameAs(type);
        }
        assertThatThrownBy(() -> E820Entry.Type.fromCode(12)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodesAddrSizeTypeAsPackedLittleEndian() {
        E820Entry entry = new E820Entry(0x1_0000_0000L, 0x2_4000_0000L, E820Entry.Type.ACPI);
        ByteBuffer buffer = ByteBuffer.allocate(E820Entry.SIZE + 4).order(ByteOrder.BIG_ENDIAN);
        buffer.position(2);

        entry.encodeTo(buffer);

        assertThat(buffer.position()).isEqualTo(2 + 20);
        assertThat(buffer.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(buffer.array()).containsExactly(
                0, 0,
                0, 0, 0, 0, 1, 0, 0, 0,
                0, 0, 0, 0x40, 2, 0, 0, 0,
                3, 0, 0, 0,
                0, 0);
    }

    @Test
    void endIsTheFirstAddressAfterTheRegion() {
        E820Entry entry = new E820Entry(0x10_0000L, 0x7FF0_0000L, E820Entry.Type.RAM);
        assertThat(entry.end()).isEqualTo(0x8000_0000L);
        assertThat(entry).hasToString("e820 [0x0000000000100000-0x000000007fffffff] RAM");
    }

    @Test
    void rejectsEmptyAndWrappingRegions() {
        assertThatThrownBy(() -> new E820Entry(0x1000, 0, E820Entry.Type.RAM))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new E820Entry(-0x1000L, 0x2000, E820Entry.Type.RAM))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new E820Entry(0, 0x1000, null)).isInstanceOf(NullPointerException.class);
    }
}
