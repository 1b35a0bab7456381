package io.hotvisor.vmm.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import org.junit.jupiter.api.Test;

class IoBusTest {
    private final IoBus<String> bus = new IoBus<>("test-bus");

    @Test
    void registeredDevicesAreFoundByAnyAddressInTheirRange() {
        bus.register(0x3F8, 8, "com1");
        bus.register(0x60, 5, "i8042");
        bus.register(0x80, 1, "debug");

        IoBus.Mapping<String> m = bus.find(0x3FD);
        assertThat(m).isNotNull();
        assertThat(m.device()).isEqualTo("com1");
        assertThat(m.base()).isEqualTo(0x3F8);
        assertThat(m.length()).isEqualTo(8);
        assertThat(bus.find(0x64).device()).isEqualTo("i8042");
        assertThat(bus.find(0x80).device()).isEqualTo("debug");
        assertThat(bus.find(0x81)).isNull();
        assertThat(bus.find(0)).isNull();
        assertThat(bus.find(0x2F8)).isNull();
    }

    @Test
    void rangeBoundariesAreInclusiveStartExclusiveEnd() {
        bus.register(0x1000, 0x100, "dev");
        assertThat(bus.find(0xFFF)).isNull();
        assertThat(bus.find(0x1000).device()).isEqualTo("dev");
        assertThat(bus.find(0x10FF).device()).isEqualTo("dev");
        assertThat(bus.find(0x1100)).isNull();
    }

    @Test
    void adjacentRangesDoNotOverlap() {
        bus.register(0x1000, 0x100, "a");
        bus.register(0x1100, 0x100, "b");
        bus.register(0xF00, 0x100, "c");
        assertThat(bus.find(0x10FF).device()).isEqualTo("a");
        assertThat(bus.find(0x1100).device()).isEqualTo("b");
        assertThat(bus.find(0xFFF).device()).isEqualTo("c");
        assertThat(bus.find(0x1200)).isNull();
    }

    @Test
    void unregisterRemovesOnlyThatRange() {
        bus.register(0x10, 0x10, "a");
        bus.register(0x20, 0x10, "b");
        bus.unregister(0x10);
        assertThat(bus.find(0x10)).isNull();
        assertThat(bus.find(0x1F)).isNull();
        assertThat(bus.find(0x20).device()).isEqualTo("b");
        bus.unregister(0x12345); // unknown base: no-op
        assertThat(bus.find(0x20).device()).isEqualTo("b");
        bus.register(0x10, 0x8, "a2");
        assertThat(bus.find(0x17).device()).isEqualTo("a2");
        assertThat(bus.find(0x18)).isNull();
    }

    @Test
    void overlappingRegistrationsAreRejectedNamingBothRanges() {
        bus.register(0x3F8, 8, "com1");
        for (long[] range : new long[][] {{0x3F8, 8}, {0x3F0, 9}, {0x3FF, 1}, {0x3FA, 1}, {0x300, 0x200}}) {
            assertThatThrownBy(() -> bus.register(range[0], range[1], "other"))
                    .as("0x%x+0x%x", range[0], range[1])
                    .isInstanceOf(VmException.class)
                    .hasMessageContaining("test-bus")
                    .hasMessageContaining(String.format("0x%x+0x%x", range[0], range[1]))
                    .hasMessageContaining("0x3f8+0x8");
        }
        assertThat(bus.find(0x3F0)).as("rejected registrations leave nothing behind").isNull();
        assertThat(bus.find(0x3F8).device()).isEqualTo("com1");
    }

    @Test
    void emptyAndNegativeLengthsAreRejected() {
        assertThatThrownBy(() -> bus.register(0x100, 0, "x")).isInstanceOf(VmException.class)
                .hasMessageContaining("empty").hasMessageContaining("0x100");
        assertThatThrownBy(() -> bus.register(0x100, -1, "x")).isInstanceOf(VmException.class);
        assertThat(bus.find(0x100)).isNull();
    }

    @Test
    void highMmioAddressesAreComparedUnsigned() {
        bus.register(0xFEE0_0000L, 0x1000, "lapic");
        bus.register(0xFEC0_0000L, 0x1000, "ioapic");
        bus.register(0x8000_0000_0000_0000L, 0x1000, "above-2^63");
        bus.register(0xFFFF_FFFF_FFFF_F000L, 0x1000, "top-page");
        bus.register(0x1000, 0x1000, "low");

        assertThat(bus.find(0xFEE0_0000L).device()).isEqualTo("lapic");
        assertThat(bus.find(0xFEE0_0FFFL).device()).isEqualTo("lapic");
        assertThat(bus.find(0xFEE0_1000L)).isNull();
        assertThat(bus.find(0xFEC0_0010L).device()).isEqualTo("ioapic");
        assertThat(bus.find(0x8000_0000_0000_0000L).device()).isEqualTo("above-2^63");
        assertThat(bus.find(0x8000_0000_0000_0FFFL).device()).isEqualTo("above-2^63");
        assertThat(bus.find(0x8000_0000_0000_1000L)).isNull();
        assertThat(bus.find(0x7FFF_FFFF_FFFF_FFFFL)).isNull();
        assertThat(bus.find(0xFFFF_FFFF_FFFF_FFFFL).device()).isEqualTo("top-page");
        assertThat(bus.find(0xFFFF_FFFF_FFFF_EFFFL)).isNull();
        assertThat(bus.find(0x1800).device()).isEqualTo("low");
        assertThat(bus.find(0x2000)).isNull();
    }

    @Test
    void overlapsAmongHighAddressesAreDetected() {
        bus.register(0x8000_0000_0000_0000L, 0x1000, "above-2^63");
        bus.register(0xFFFF_FFFF_FFFF_F000L, 0x1000, "top-page");
        assertThatThrownBy(() -> bus.register(0x8000_0000_0000_0800L, 0x1000, "x")).isInstanceOf(VmException.class);
        assertThatThrownBy(() -> bus.register(0xFFFF_FFFF_FFFF_FFF0L, 0x10, "x")).isInstanceOf(VmException.class);
        // a low range does not collide with a high one
        bus.register(0x0, 0x1000, "zero-page");
        bus.register(0x7FFF_FFFF_FFFF_E000L, 0x1000, "below-2^63");
        assertThat(bus.find(0x7FFF_FFFF_FFFF_E800L).device()).isEqualTo("below-2^63");
    }

    @Test
    void aRangeThatCrosses2To63IsCheckedForOverlapUnsigned() {
        // [2^63 - 0x1000, 2^63 + 0x1000) overlaps [2^63, 2^63 + 0x10) in unsigned address order
        bus.register(0x8000_0000_0000_0000L, 0x10, "above-2^63");
        assertThatThrownBy(() -> bus.register(0x7FFF_FFFF_FFFF_F000L, 0x2000, "straddling"))
                .isInstanceOf(VmException.class)
                .hasMessageContaining("0x8000000000000000+0x10");
    }
}
