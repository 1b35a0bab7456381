package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.memory.GuestRam;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Audit row 11: an initrd is checked against guest RAM before it is read, and streamed into it. */
class KernelLoaderTest {
    private static final long RAM = 64L << 20;
    private static final List<E820Entry> MAP = List.of(new E820Entry(0x10_0000, RAM - 0x10_0000, E820Entry.Type.RAM));

    @TempDir
    Path dir;
    private GuestRam ram;
    private BzImage kernel;

    @BeforeEach
    void setUp() throws IOException {
        ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(RAM));
        kernel = BzImage.parse(new TestKernels.Synthetic().writeTo(dir.resolve("bzImage")));
    }

    @AfterEach
    void tearDown() {
        ram.close();
    }

    private KernelLoader.Placement load(Path initrd) {
        return KernelLoader.load(ram, kernel, initrd, "console=ttyS0", GuestAddress.of(0x100_0000L),
                GuestAddress.of(0x20000), GuestAddress.of(0x7000), RAM, MAP, GuestAddress.of(0xE0000));
    }

    /** Bytes this thread allocated on the heap so far (HotSpot's per-thread counter). */
    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    static Path sparseFile(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        return file;
    }

    @Test
    void refusesAnInitrdLargerThanRamWithoutReadingIt() throws IOException {
        Path initrd = sparseFile(dir.resolve("initrd"), 1L << 30);
        long before = allocatedBytes();

        assertThatThrownBy(() -> load(initrd))
                .isInstanceOf(BootImageException.class)
                .hasMessage("initrd " + initrd + " (1024 MiB) does not fit below 0x4000000, above the kernel"
                        + " (ends at 0x3000000), in 64 MiB of RAM");
        assertThat(allocatedBytes() - before).as("heap bytes allocated").isLessThan(1L << 20);
    }

    @Test
    void streamsTheInitrdIntoGuestMemoryByteExact() throws IOException {
        int size = (5 << 20) + 123; // more than one chunk, and not a whole number of them
        byte[] image = SyntheticElf.pattern(size, 7);
        Path initrd = Files.write(dir.resolve("initrd"), image);
        long before = allocatedBytes();

        KernelLoader.Placement placement = load(initrd);

        assertThat(allocatedBytes() - before).as("heap bytes allocated").isLessThan(size / 2);
        long address = (RAM - size) & ~0xFFFL;
        assertThat(placement.initrd()).isEqualTo(GuestAddress.of(address));
        assertThat(placement.initrdSize()).isEqualTo(size);
        assertThat(ElfKernelTest.read(ram, address, size)).isEqualTo(image);
        assertThat(ram.readInt(GuestAddress.of(0x7000 + 0x218))).as("ramdisk_image").isEqualTo((int) address);
        assertThat(ram.readInt(GuestAddress.of(0x7000 + 0x21C))).as("ramdisk_size").isEqualTo(size);
    }

    @Test
    void refusesAMissingInitrd() {
        Path initrd = dir.resolve("absent");
        assertThatThrownBy(() -> load(initrd)).hasMessage("initrd " + initrd + ": no such file");
    }
}
