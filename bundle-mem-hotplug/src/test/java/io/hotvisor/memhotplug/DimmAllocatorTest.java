package io.hotvisor.memhotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DimmAllocatorTest {
    private static final long M = 1L << 20;
    private static final long BASE = 8L << 30;
    /** 1G region, 4 slots. */
    private final DimmAllocator allocator = new DimmAllocator(BASE, 1024 * M, 4);

    private static Dimm dimm(int slot, long offset, long size) {
        return new Dimm(slot, "d" + slot, "m" + slot, BASE + offset, size, false);
    }

    private long firstFit(List<Dimm> plugged, long size) {
        return allocator.address(plugged, size, OptionalLong.empty());
    }

    @Test
    void slotsGoLowestFreeFirstUnlessNamed() {
        assertThat(allocator.slot(List.of(), OptionalInt.empty())).isZero();
        assertThat(allocator.slot(List.of(dimm(0, 0, 128 * M), dimm(2, 128 * M, 128 * M)), OptionalInt.empty())).isEqualTo(1);
        assertThat(allocator.slot(List.of(dimm(0, 0, 128 * M)), OptionalInt.of(3))).isEqualTo(3);
        assertThatThrownBy(() -> allocator.slot(List.of(dimm(2, 0, 128 * M)), OptionalInt.of(2)))
                .hasMessage("slot 2 is used by d2");
        assertThatThrownBy(() -> allocator.slot(List.of(), OptionalInt.of(4)))
                .hasMessage("slot 4 is beyond memory-slots: the slots are 0..3");
        List<Dimm> full = List.of(dimm(0, 0, 128 * M), dimm(1, 128 * M, 128 * M), dimm(2, 256 * M, 128 * M),
                dimm(3, 384 * M, 128 * M));
        assertThatThrownBy(() -> allocator.slot(full, OptionalInt.empty()))
                .hasMessage("all 4 memory slots are used (memory-slots)");
    }

    @Test
    void firstFitFillsHolesLeftByRemovals() {
        assertThat(firstFit(List.of(), 256 * M)).isEqualTo(BASE);
        // 0-128M used, 128M-384M free, 384M-512M used, then 512M free at the end
        List<Dimm> fragmented = List.of(dimm(0, 0, 128 * M), dimm(1, 384 * M, 128 * M));
        assertThat(firstFit(fragmented, 256 * M)).isEqualTo(BASE + 128 * M);
        assertThat(firstFit(fragmented, 384 * M)).isEqualTo(BASE + 512 * M);
        assertThat(allocator.free(fragmented)).containsExactly(new DimmAllocator.Range(BASE + 128 * M, 256 * M),
                new DimmAllocator.Range(BASE + 512 * M, 512 * M));
    }

    @Test
    void aFullOrFragmentedRegionSaysWhatIsLeft() {
        List<Dimm> fragmented = List.of(dimm(0, 128 * M, 128 * M), dimm(1, 512 * M, 384 * M));
        assertThatThrownBy(() -> firstFit(fragmented, 512 * M)).hasMessage(String.format(
                "the hotplug region has no room for 512M: 512M left, the largest free range is 256M at 0x%x",
                BASE + 256 * M));
        List<Dimm> full = List.of(dimm(0, 0, 1024 * M));
        assertThatThrownBy(() -> firstFit(full, 128 * M)).hasMessage("the hotplug region is full (1G)");
    }

    @Test
    void sizesAndAddressesGoBy128M() {
        assertThatThrownBy(() -> firstFit(List.of(), 100 * M)).hasMessage("size 100M is not a multiple of 128M");
        assertThatThrownBy(() -> firstFit(List.of(), 0)).hasMessage("size 0 is not a multiple of 128M");
        assertThatThrownBy(() -> allocator.address(List.of(), 128 * M, OptionalLong.of(BASE + 2 * M)))
                .hasMessageContaining("is not aligned to 128M");
    }

    @Test
    void anExplicitAddressMustFitAndNotOverlap() {
        List<Dimm> plugged = List.of(dimm(0, 256 * M, 256 * M));
        assertThat(allocator.address(plugged, 128 * M, OptionalLong.of(BASE + 128 * M))).isEqualTo(BASE + 128 * M);
        assertThat(allocator.address(plugged, 512 * M, OptionalLong.of(BASE + 512 * M))).isEqualTo(BASE + 512 * M);
        assertThatThrownBy(() -> allocator.address(plugged, 256 * M, OptionalLong.of(BASE + 128 * M)))
                .hasMessageContaining("overlaps d0");
        assertThatThrownBy(() -> allocator.address(plugged, 128 * M, OptionalLong.of(BASE - 128 * M)))
                .hasMessageContaining("outside the hotplug region");
        assertThatThrownBy(() -> allocator.address(plugged, 256 * M, OptionalLong.of(BASE + 896 * M)))
                .hasMessageContaining("outside the hotplug region");
    }
}
