package io.hotvisor.vmm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import org.junit.jupiter.api.Test;

class AddressAllocatorTest {
    private final AddressAllocator window = new AddressAllocator("test window", 0x1000, 0x10000);

    @Test
    void allocatesLowestFirstWithNaturalAlignment() {
        assertThat(window.allocate(0x1000, 0x1000)).isEqualTo(0x1000);
        assertThat(window.allocate(0x4000, 0x4000)).isEqualTo(0x4000);
        assertThat(window.allocate(0x1000, 0x1000)).isEqualTo(0x2000);
        assertThat(window.free()).isEqualTo(0x10000 - 0x6000);
    }

    @Test
    void freedRangesAreReusedAndFragmentationIsSurvived() {
        long a = window.allocate(0x2000, 0x2000);
        long b = window.allocate(0x2000, 0x2000);
        window.free(a);

        assertThat(window.allocate(0x2000, 0x2000)).isEqualTo(a);
        assertThat(window.allocate(0x4000, 0x4000)).isGreaterThan(b);
    }

    @Test
    void aFullWindowSaysHowMuchIsLeft() {
        window.allocate(0x8000, 0x8000);

        assertThatThrownBy(() -> window.allocate(0x10000, 0x10000)).isInstanceOf(VmException.class)
                .hasMessage("test window has no room for 0x10000 bytes aligned to 0x10000 (0x8000 of 0x10000 bytes free)");
    }

    @Test
    void freeingWhatWasNotAllocatedIsABug() {
        assertThatThrownBy(() -> window.free(0x3000)).hasMessageContaining("nothing allocated at 0x3000");
    }
}
