package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.memory.GuestRam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ElfKernelTest {
    @TempDir
    Path dir;

    private Path write(SyntheticElf elf) throws IOException {
        return elf.writeTo(dir.resolve("vmlinux"));
    }

    @Nested
    class Parses {
        @Test
        void thePvhEntryAndTheLoadSegments() throws IOException {
            Path file = write(SyntheticElf.kernel());

            ElfKernel kernel = ElfKernel.parse(file);

            assertThat(kernel.file()).isEqualTo(file);
            assertThat(kernel.format()).isEqualTo("ELF (PVH)");
            assertThat(kernel.pvhEntry()).isEqualTo(0x100_0850L);
            assertThat(kernel.elfEntry()).isEqualTo(0xFFFF_FFFF_8100_0000L);
            assertThat(kernel.segments()).extracting(ElfKernel.Segment::physicalAddress, ElfKernel.Segment::fileSize,
                    ElfKernel.Segment::memorySize)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(0x100_0000L, 0x3000L, 0x3000L),
                            org.assertj.core.groups.Tuple.tuple(0x100_4000L, 0x1000L, 0x2000L));
            assertThat(kernel.start()).isEqualTo(0x100_0000L);
            assertThat(kernel.end()).isEqualTo(0x100_6000L);
        }

        @Test
        void aFourByteEntryNoteAmongOthers() throws IOException {
            SyntheticElf elf = new SyntheticElf();
            elf.load(0x20_0000L, new byte[0x100], 0x100);
            elf.notes(SyntheticElf.note("GNU", 3, new byte[20]), SyntheticElf.note("Linux", 0x100, "6.1\0".getBytes()),
                    SyntheticElf.pvhNote32(0x20_0010L));

            assertThat(ElfKernel.parse(write(elf)).pvhEntry()).isEqualTo(0x20_0010L);
        }

        @Test
        void notesInTwoNoteSegments() throws IOException {
            SyntheticElf elf = new SyntheticElf();
            elf.load(0x20_0000L, new byte[0x100], 0x100);
            elf.notes(SyntheticElf.note("GNU", 3, new byte[20]));
            elf.notes(SyntheticElf.pvhNote64(0x20_0020L));

            assertThat(ElfKernel.parse(write(elf)).pvhEntry()).isEqualTo(0x20_0020L);
        }

        @Test
        void ignoresANoteOfTheSameTypeFromAnotherOwner() throws IOException {
            SyntheticElf elf = new SyntheticElf();
            elf.load(0x20_0000L, new byte[0x100], 0x100);
            elf.notes(SyntheticElf.note("GNU", ElfKernel.XEN_ELFNOTE_PHYS32_ENTRY, new byte[] {0x10, 0, 0x20, 0}),
                    SyntheticElf.pvhNote32(0x20_0000L));

            assertThat(ElfKernel.parse(write(elf)).pvhEntry()).isEqualTo(0x20_0000L);
        }

        @Test
        void skipsEmptyLoadSegments() throws IOException {
            SyntheticElf elf = SyntheticElf.kernel();
            elf.load(0, new byte[0], 0);

            assertThat(ElfKernel.parse(write(elf)).segments()).hasSize(2);
        }

        @Test
        void kernelImageTellsElfFromBzImage() throws IOException {
            Path elf = write(SyntheticElf.kernel());
            Path bzImage = new TestKernels.Synthetic().writeTo(dir.resolve("bzImage"));

            assertThat(KernelImage.open(elf)).isInstanceOf(ElfKernel.class);
            assertThat(KernelImage.open(bzImage)).isInstanceOf(BzImage.class);
            assertThat(KernelImage.open(bzImage).format()).isEqualTo("bzImage");
        }
    }

    @Nested
    class Rejects {
        /** A defect must read the same whether the file is parsed as ELF or sniffed by KernelImage. */
        @ParameterizedTest(name = "{0}")
        @MethodSource("defects")
        void aKernelWithOneDefect(String defect, SyntheticElf elf, String problem) throws IOException {
            Path file = write(elf);
            assertThatThrownBy(() -> ElfKernel.parse(file))
                    .isInstanceOf(BootImageException.class)
                    .hasMessage(file + ": " + problem);
            assertThatThrownBy(() -> KernelImage.open(file)).hasMessage(file + ": " + problem);
        }

        static Stream<Arguments> defects() {
            return Stream.of(
                    arguments("ELF32", kernelWith(elf -> elf.elfClass = 1),
                            "not an ELF64 x86-64 file (ELF32, machine 62; need ELF64 little-endian, machine 62)"),
                    arguments("another machine (AArch64)", kernelWith(elf -> elf.machine = 183),
                            "not an ELF64 x86-64 file (ELF64, machine 183; need ELF64 little-endian, machine 62)"),
                    arguments("big-endian", kernelWith(elf -> elf.data = 2),
                            "not an ELF64 x86-64 file (ELF64 big-endian, machine 62; need ELF64 little-endian, machine 62)"),
                    arguments("a shared object", kernelWith(elf -> elf.type = 3),
                            "not an executable (ELF type 3, need 2 = ET_EXEC)"),
                    arguments("no PVH note", oneSegment(16, SyntheticElf.note("Xen", 6, "linux\0".getBytes())),
                            "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, type 18, owner \"Xen\"): not a kernel built"
                                    + " with CONFIG_PVH; use its bzImage instead"),
                    arguments("no PT_LOAD segments", notesOnly(SyntheticElf.pvhNote32(0x100_0000L)),
                            "has no PT_LOAD segments"),
                    arguments("an entry outside the segments", oneSegment(0x1000, SyntheticElf.pvhNote32(0x100_0800L)),
                            "PVH entry 0x1000800 is not inside any PT_LOAD segment"),
                    arguments("an entry above 4 GiB", oneSegment(16, SyntheticElf.pvhNote64(0x1_0000_0000L)),
                            "PVH entry 0x100000000 is not a 32-bit physical address"),
                    arguments("a truncated segment", kernelWith(elf -> elf.programs.get(0).fileSize = 0x10_0000L),
                            "truncated: PT_LOAD segment 0 needs file bytes 0xe8-0x1000e8, the file has 0x413c"),
                    arguments("more file bytes than memory bytes", kernelWith(elf -> elf.programs.get(1).memsz = 0x800),
                            "PT_LOAD segment 1 has more file bytes (0x1000) than memory bytes (0x800)"),
                    arguments("overlapping segments", kernelWith(elf -> elf.load(0x100_5000L, new byte[16], 0x2000)),
                            "PT_LOAD segment 1 at 0x1004000-0x1006000 overlaps PT_LOAD segment 3 at 0x1005000-0x1007000"),
                    arguments("a wrong program header size", kernelWith(elf -> elf.phentsize = 32),
                            "program header size is 32 bytes, expected 56"));
        }

        private static SyntheticElf kernelWith(Consumer<SyntheticElf> defect) {
            SyntheticElf elf = SyntheticElf.kernel();
            defect.accept(elf);
            return elf;
        }

        /** 16 bytes of file at 16 MiB, {@code memorySize} bytes in memory. */
        private static SyntheticElf oneSegment(long memorySize, byte[] note) {
            SyntheticElf elf = new SyntheticElf();
            elf.load(0x100_0000L, new byte[16], memorySize);
            elf.notes(note);
            return elf;
        }

        private static SyntheticElf notesOnly(byte[] note) {
            SyntheticElf elf = new SyntheticElf();
            elf.notes(note);
            return elf;
        }

        @Test
        void aFileThatIsNotElf() throws IOException {
            Path file = Files.write(dir.resolve("text"), "hello, world".getBytes());
            assertThatThrownBy(() -> ElfKernel.parse(file)).hasMessage(file + ": not an ELF file (no 7F 'ELF' magic)");
            assertThatThrownBy(() -> KernelImage.open(file)).hasMessageStartingWith(file + ": too small to be a bzImage");
        }

        @Test
        void aMissingFile() {
            Path file = dir.resolve("absent");
            assertThatThrownBy(() -> KernelImage.open(file)).hasMessage(file + ": no such file");
            assertThatThrownBy(() -> ElfKernel.parse(file)).hasMessage(file + ": no such file");
        }

        @Test
        void aTruncatedHeader() throws IOException {
            Path file = Files.write(dir.resolve("vmlinux"), Arrays.copyOf(SyntheticElf.kernel().build(), 40));
            assertThatThrownBy(() -> KernelImage.open(file))
                    .hasMessage(file + ": truncated ELF header (40 bytes, needs 64)");
        }

        @Test
        void aTruncatedFile() throws IOException {
            SyntheticElf elf = SyntheticElf.kernel();
            elf.truncate = 0x60; // the notes and the end of the second segment
            Path file = write(elf);
            assertThatThrownBy(() -> ElfKernel.parse(file))
                    .hasMessage(file + ": truncated: PT_LOAD segment 1 needs file bytes 0x30e8-0x40e8, the file has 0x40dc");
        }

        @Test
        void truncatedProgramHeaders() throws IOException {
            byte[] bytes = Arrays.copyOf(SyntheticElf.kernel().build(), 100);
            Path file = Files.write(dir.resolve("vmlinux"), bytes);
            assertThatThrownBy(() -> ElfKernel.parse(file))
                    .hasMessage(file + ": truncated: 3 program headers at offset 64 end at 232, the file has 100 bytes");
        }

        @Test
        void aTruncatedNote() throws IOException {
            SyntheticElf elf = new SyntheticElf();
            elf.load(0x100_0000L, new byte[16], 16);
            byte[] note = SyntheticElf.pvhNote32(0x100_0000L);
            elf.notes(Arrays.copyOf(note, note.length - 4));
            Path file = write(elf);
            assertThatThrownBy(() -> ElfKernel.parse(file))
                    .hasMessage(file + ": truncated note in PT_NOTE segment 1 at byte 0");
        }

    }

    @Nested
    class Loads {
        @Test
        void segmentsAtTheirPhysicalAddressesAndZeroesTheRest() throws IOException {
            SyntheticElf spec = SyntheticElf.kernel();
            ElfKernel kernel = ElfKernel.parse(write(spec));
            try (GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(32L << 20))) {
                byte[] junk = new byte[0x8000];
                Arrays.fill(junk, (byte) 0xEE);
                ram.write(GuestAddress.of(0x100_0000L), junk);

                kernel.load(ram, 0x10_0000L, 32L << 20);

                assertThat(read(ram, 0x100_0000L, 0x3000)).isEqualTo(spec.programs.get(0).bytes);
                assertThat(read(ram, 0x100_3000L, 0x1000)).as("gap between segments untouched").containsOnly(0xEE);
                assertThat(read(ram, 0x100_4000L, 0x1000)).isEqualTo(spec.programs.get(1).bytes);
                assertThat(read(ram, 0x100_5000L, 0x1000)).as("bss").containsOnly(0);
                assertThat(read(ram, 0x100_6000L, 0x1000)).as("after the kernel").containsOnly(0xEE);
            }
        }

        @Test
        void refusesASegmentOutsideRam() throws IOException {
            Path file = write(SyntheticElf.kernel());
            ElfKernel kernel = ElfKernel.parse(file);
            try (GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(16L << 20))) {
                assertThatThrownBy(() -> kernel.load(ram, 0x10_0000L, 16L << 20))
                        .isInstanceOf(BootImageException.class)
                        .hasMessage(file + ": PT_LOAD segment 0 at 0x1000000-0x1003000 lies outside guest RAM"
                                + " 0x100000-0x1000000 (give the VM more memory)");
            }
        }

        @Test
        void refusesASegmentBelowTheKernelArea() throws IOException {
            SyntheticElf spec = new SyntheticElf();
            spec.load(0xF_F000L, new byte[0x2000], 0x2000);
            spec.notes(SyntheticElf.pvhNote32(0xF_F000L));
            Path file = write(spec);
            ElfKernel kernel = ElfKernel.parse(file);
            try (GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(16L << 20))) {
                assertThatThrownBy(() -> kernel.load(ram, 0x10_0000L, 16L << 20))
                        .hasMessage(file + ": PT_LOAD segment 0 at 0xff000-0x101000 lies outside guest RAM 0x100000-0x1000000");
            }
        }

        @Test
        void refusesAFileThatChangedSinceItWasParsed() throws IOException {
            Path file = write(SyntheticElf.kernel());
            ElfKernel kernel = ElfKernel.parse(file);
            Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 200));
            try (GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(32L << 20))) {
                assertThatThrownBy(() -> kernel.load(ram, 0x10_0000L, 32L << 20))
                        .hasMessageStartingWith(file + ": changed since it was checked");
            }
        }
    }

    static byte[] read(GuestRam ram, long address, int length) {
        byte[] bytes = new byte[length];
        ram.read(GuestAddress.of(address), bytes, 0, length);
        return bytes;
    }
}
