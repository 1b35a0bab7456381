package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.memory.GuestRam;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PvhLoaderTest {
    private static final long RAM = 64L << 20;
    private static final GuestAddress CMDLINE = GuestAddress.of(0x20000);
    private static final GuestAddress START_INFO = GuestAddress.of(0x6000);
    private static final List<E820Entry> MAP = List.of(
            new E820Entry(0, 0xA0000, E820Entry.Type.RAM),
            new E820Entry(0xA0000, 0x60000, E820Entry.Type.RESERVED),
            new E820Entry(0x10_0000, RAM - 0x10_0000, E820Entry.Type.RAM));

    @TempDir
    Path dir;
    private GuestRam ram;
    private ElfKernel kernel;

    @BeforeEach
    void setUp() throws IOException {
        ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(RAM));
        kernel = ElfKernel.parse(SyntheticElf.kernel().writeTo(dir.resolve("vmlinux")));
    }

    @AfterEach
    void tearDown() {
        ram.close();
    }

    private PvhLoader.Placement load(Path initrd, String cmdline) {
        return PvhLoader.load(ram, kernel, initrd, cmdline, CMDLINE, START_INFO, 0x10_0000, RAM, MAP,
                GuestAddress.of(0xE0000));
    }

    @Test
    void writesStartInfoCommandLineAndMemoryMap() {
        PvhLoader.Placement placement = load(null, "console=ttyS0 quiet");

        assertThat(placement.entry()).isEqualTo(GuestAddress.of(0x100_0850L));
        assertThat(placement.startInfo()).isEqualTo(START_INFO);
        assertThat(placement.initrdSize()).isZero();
        assertThat(ram.readInt(START_INFO)).isEqualTo(HvmStartInfo.MAGIC);
        assertThat(ram.readInt(START_INFO.plus(4))).as("version").isEqualTo(1);
        assertThat(ram.readInt(START_INFO.plus(12))).as("nr_modules").isZero();
        assertThat(ram.readLong(START_INFO.plus(24))).as("cmdline_paddr").isEqualTo(CMDLINE.value());
        assertThat(ram.readLong(START_INFO.plus(32))).as("rsdp_paddr").isEqualTo(0xE0000);
        assertThat(ram.readLong(START_INFO.plus(40))).as("memmap_paddr").isEqualTo(0x6080);
        assertThat(ram.readInt(START_INFO.plus(48))).as("memmap_entries").isEqualTo(3);
        assertThat(ram.readLong(GuestAddress.of(0x6080 + 2 * 24))).isEqualTo(0x10_0000);
        assertThat(ram.readLong(GuestAddress.of(0x6080 + 2 * 24 + 8))).isEqualTo(RAM - 0x10_0000);
        assertThat(ram.readInt(GuestAddress.of(0x6080 + 2 * 24 + 16))).isEqualTo(1);
        byte[] cmdline = new byte[20];
        ram.read(CMDLINE, cmdline, 0, 20);
        assertThat(new String(cmdline, StandardCharsets.US_ASCII)).isEqualTo("console=ttyS0 quiet\0");
        assertThat(ElfKernelTest.read(ram, 0x100_0000L, 0x3000)).isEqualTo(SyntheticElf.pattern(0x3000, 1));
    }

    @Test
    void passesTheInitrdAsTheFirstModule() throws IOException {
        byte[] image = SyntheticElf.pattern(12345, 9);
        Path initrd = Files.write(dir.resolve("initrd"), image);

        PvhLoader.Placement placement = load(initrd, "");

        long address = (RAM - 12345) & ~0xFFFL;
        assertThat(placement.initrd()).isEqualTo(GuestAddress.of(address));
        assertThat(placement.initrdSize()).isEqualTo(12345);
        assertThat(ram.readInt(START_INFO.plus(12))).as("nr_modules").isEqualTo(1);
        assertThat(ram.readLong(START_INFO.plus(16))).as("modlist_paddr").isEqualTo(0x6040);
        assertThat(ram.readLong(GuestAddress.of(0x6040))).as("paddr").isEqualTo(address);
        assertThat(ram.readLong(GuestAddress.of(0x6048))).as("size").isEqualTo(12345);
        assertThat(ElfKernelTest.read(ram, address, 12345)).isEqualTo(image);
    }

    @Test
    void refusesAnInitrdThatDoesNotFitAboveTheKernel() throws IOException {
        Path initrd = Files.write(dir.resolve("initrd"), new byte[(int) (RAM - 0x100_0000L)]);
        assertThatThrownBy(() -> load(initrd, ""))
                .isInstanceOf(BootImageException.class)
                .hasMessage("initrd " + initrd + " (48 MiB) does not fit below 0x4000000, above the kernel"
                        + " (ends at 0x1006000), in 64 MiB of RAM");
    }

    @Test
    void refusesAnInitrdLargerThanRamWithoutReadingIt() throws IOException {
        Path initrd = KernelLoaderTest.sparseFile(dir.resolve("initrd"), 1L << 30);
        long before = KernelLoaderTest.allocatedBytes();

        assertThatThrownBy(() -> load(initrd, "")).hasMessageStartingWith("initrd " + initrd + " (1024 MiB) does not fit");
        assertThat(KernelLoaderTest.allocatedBytes() - before).as("heap bytes allocated").isLessThan(1L << 20);
    }

    @Test
    void refusesALongCommandLine() {
        assertThatThrownBy(() -> load(null, "x".repeat(2048)))
                .hasMessage("command line is 2048 bytes; Linux accepts at most 2047");
    }

    @Test
    void refusesAMissingInitrd() {
        Path initrd = dir.resolve("absent");
        assertThatThrownBy(() -> load(initrd, "")).hasMessage("initrd " + initrd + ": no such file");
    }
}
