package io.hotvisor.vmm.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small ELF64 files for the ELF/PVH tests: an ELF header, program headers, then each
 * segment's bytes in order. Fields are public so a test can break one.
 */
final class SyntheticElf {
    int elfClass = ElfKernel.ELFCLASS64;
    int data = ElfKernel.ELFDATA2LSB;
    int type = ElfKernel.ET_EXEC;
    int machine = ElfKernel.EM_X86_64;
    int phentsize = ElfKernel.PHDR_SIZE;
    long entry = 0xFFFF_FFFF_8100_0000L;
    final List<Program> programs = new ArrayList<>();
    /** Bytes cut off the end of the file. */
    int truncate;

    /** One program header; {@code offset} -1 = placed after the previous ones by {@link #build}. */
    static final class Program {
        int type;
        long paddr;
        long vaddr;
        byte[] bytes;
        long memsz;
        long align = 4;
        long offset = -1;
        /** If set, p_filesz (else bytes.length). */
        Long fileSize;

        Program(int type, long paddr, byte[] bytes, long memsz) {
            this.type = type;
            this.paddr = paddr;
            this.vaddr = paddr | 0xFFFF_FFFF_8000_0000L;
            this.bytes = bytes;
            this.memsz = memsz;
        }
    }

    /** A PT_LOAD of {@code bytes} at {@code paddr}, with {@code memsz} bytes in memory. */
    Program load(long paddr, byte[] bytes, long memsz) {
        Program program = new Program(ElfKernel.PT_LOAD, paddr, bytes, memsz);
        program.align = 0x1000;
        programs.add(program);
        return program;
    }

    /** A PT_NOTE holding {@code notes} (see {@link #note}). */
    Program notes(byte[]... notes) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] note : notes) {
            all.writeBytes(note);
        }
        Program program = new Program(ElfKernel.PT_NOTE, 0, all.toByteArray(), all.size());
        programs.add(program);
        return program;
    }

    /** One note, 4-byte aligned: namesz, descsz, type, name + NUL, descriptor. */
    static byte[] note(String name, int type, byte[] desc) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        int nameLength = (nameBytes.length + 3) & ~3;
        int descLength = (desc.length + 3) & ~3;
        ByteBuffer le = ByteBuffer.allocate(12 + nameLength + descLength).order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(nameBytes.length).putInt(desc.length).putInt(type);
        le.put(nameBytes).position(12 + nameLength);
        le.put(desc);
        return le.array();
    }

    /** The PVH entry note with a 4-byte value, as the probe guest writes it. */
    static byte[] pvhNote32(long entry) {
        return note("Xen", ElfKernel.XEN_ELFNOTE_PHYS32_ENTRY,
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) entry).array());
    }

    /** The PVH entry note with an 8-byte value, as x86-64 Linux writes it (_ASM_PTR). */
    static byte[] pvhNote64(long entry) {
        return note("Xen", ElfKernel.XEN_ELFNOTE_PHYS32_ENTRY,
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(entry).array());
    }

    /** A typical kernel: text at 16 MiB with the PVH entry in it, data + bss after, notes. */
    static SyntheticElf kernel() {
        SyntheticElf elf = new SyntheticElf();
        elf.load(0x100_0000L, pattern(0x3000, 1), 0x3000);
        elf.load(0x100_4000L, pattern(0x1000, 2), 0x2000);
        elf.notes(note("Xen", 6, "linux\0".getBytes(StandardCharsets.US_ASCII)), pvhNote64(0x100_0850L),
                note("GNU", 3, new byte[20]));
        return elf;
    }

    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7 + 1);
        }
        return bytes;
    }

    byte[] build() {
        long offset = ElfKernel.EHDR_SIZE + (long) programs.size() * ElfKernel.PHDR_SIZE;
        int total = (int) offset;
        List<Long> offsets = new ArrayList<>();
        for (Program program : programs) {
            long at = program.offset >= 0 ? program.offset : offset;
            offsets.add(at);
            if (program.offset < 0) {
                offset += program.bytes.length;
            }
            total = (int) Math.max(total, at + program.bytes.length);
        }
        ByteBuffer le = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        le.put(new byte[] {0x7F, 'E', 'L', 'F', (byte) elfClass, (byte) data, 1, 0});
        le.putShort(16, (short) type);
        le.putShort(18, (short) machine);
        le.putInt(20, 1);
        le.putLong(24, entry);
        le.putLong(32, ElfKernel.EHDR_SIZE);
        le.putShort(52, (short) ElfKernel.EHDR_SIZE);
        le.putShort(54, (short) phentsize);
        le.putShort(56, (short) programs.size());
        for (int i = 0; i < programs.size(); i++) {
            Program program = programs.get(i);
            int base = ElfKernel.EHDR_SIZE + i * ElfKernel.PHDR_SIZE;
            le.putInt(base, program.type);
            le.putInt(base + 4, program.type == ElfKernel.PT_LOAD ? 7 : 4);
            le.putLong(base + 8, offsets.get(i));
            le.putLong(base + 16, program.vaddr);
            le.putLong(base + 24, program.paddr);
            le.putLong(base + 32, program.fileSize != null ? program.fileSize : program.bytes.length);
            le.putLong(base + 40, program.memsz);
            le.putLong(base + 48, program.align);
            le.put(offsets.get(i).intValue(), program.bytes);
        }
        byte[] bytes = le.array();
        return truncate > 0 ? java.util.Arrays.copyOf(bytes, bytes.length - truncate) : bytes;
    }

    Path writeTo(Path file) throws IOException {
        return Files.write(file, build());
    }
}
