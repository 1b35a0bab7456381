package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.testing.GuestKit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The guest kit's vmlinux (extracted from Debian's bzImage) has a PVH entry and loadable segments. */
class DebianVmlinuxTest {
    @Test
    void hasAPvhEntryInsideItsLoadSegments() {
        Path vmlinux = GuestKit.load().vmlinux();

        KernelImage image = KernelImage.open(vmlinux);

        assertThat(image).isInstanceOf(ElfKernel.class);
        ElfKernel kernel = (ElfKernel) image;
        assertThat(kernel.segments()).hasSizeGreaterThanOrEqualTo(2);
        // Linux links x86-64 kernels at physical 16 MiB (CONFIG_PHYSICAL_START) ...
        assertThat(kernel.start()).isEqualTo(0x100_0000L);
        // ... and the whole image (text, data, percpu, init, bss) stays well below 1 GiB.
        assertThat(kernel.end()).isBetween(0x200_0000L, 0x4000_0000L);
        assertThat(kernel.pvhEntry()).isBetween(kernel.start(), kernel.end());
        assertThat(kernel.segments()).allSatisfy(segment -> {
            assertThat(segment.fileSize()).isPositive();
            assertThat(segment.memorySize()).isGreaterThanOrEqualTo(segment.fileSize());
        });
        assertThat(kernel.elfEntry()).as("e_entry: startup_64 at 16 MiB").isEqualTo(0x100_0000L);
    }

    @Test
    void theBzImageOfTheSameKernelIsStillABzImage() {
        assertThat(KernelImage.open(GuestKit.load().bzImage())).isInstanceOf(BzImage.class);
    }
}
