package io.hotvisor.vmm.boot;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An ELF64 x86-64 executable with a PVH entry point: the {@code XEN_ELFNOTE_PHYS32_ENTRY} note
 * (type 18, owner "Xen") in a {@code PT_NOTE} segment, as an uncompressed Linux {@code vmlinux}
 * built with {@code CONFIG_PVH} has. Its {@code PT_LOAD} segments are loaded at their physical
 * addresses ({@code p_paddr}) and entered in 32-bit protected mode (see {@link PvhLoader}).
 *
 * <p>Only the headers and notes are read when the file is parsed; segment contents are read from
 * the file when {@link #load loaded}, so a 60 MB vmlinux is not kept on the heap.
 */
public final class ElfKernel implements KernelImage {
    /** {@code XEN_ELFNOTE_PHYS32_ENTRY} (xen/include/public/elfnote.h). */
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    static final byte[] MAGIC = {0x7F, 'E', 'L', 'F'};
    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_EXEC = 2;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    private static final int MAX_PROGRAM_HEADERS = 256;
    private static final int MAX_NOTES_SIZE = 1 << 20;
    /** Far above any real kernel; keeps a wrong path from being taken for one. */
    private static final long MAX_FILE_SIZE = 1L << 30;
    private static final int COPY_CHUNK = 1 << 20;

    /** A {@code PT_LOAD} program header: {@code memorySize} bytes at {@code physicalAddress}. */
    public record Segment(int index, long physicalAddress, long fileOffset, long fileSize, long memorySize) {
        /** First physical address after the segment. */
        public long end() {
            return physicalAddress + memorySize;
        }

        @Override
        public String toString() {
            return String.format("PT_LOAD segment %d at 0x%x-0x%x", index, physicalAddress, end());
        }
    }

    private final Path file;
    private final long fileSize;
    private final long elfEntry;
    private final long pvhEntry;
    private final List<Segment> segments;

    private ElfKernel(Path file, long fileSize, long elfEntry, long pvhEntry, List<Segment> segments) {
        this.file = file;
        this.fileSize = fileSize;
        this.elfEntry = elfEntry;
        this.pvhEntry = pvhEntry;
        this.segments = segments;
    }

    static boolean hasElfMagic(byte[] bytes) {
        return bytes.length >= MAGIC.length && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /** Reads and checks the headers and notes of {@code file}; a problem names the file. */
    public static ElfKernel parse(Path file) {
        if (Files.isDirectory(file)) {
            throw new BootImageException(file + ": is a directory");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return parse(file, channel);
        } catch (NoSuchFileException e) {
            throw new BootImageException(file + ": no such file", e);
        } catch (IOException e) {
            throw new BootImageException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static ElfKernel parse(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size > MAX_FILE_SIZE) {
            throw fail(file, "too large to be a kernel (" + size + " bytes)");
        }
        if (size < MAGIC.length || !hasElfMagic(read(channel, 0, MAGIC.length).array())) {
            throw fail(file, "not an ELF file (no 7F 'ELF' magic)");
        }
        if (size < EHDR_SIZE) {
            throw fail(file, "truncated ELF header (" + size + " bytes, needs " + EHDR_SIZE + ")");
        }
        ByteBuffer ehdr = read(channel, 0, EHDR_SIZE);
        int elfClass = u8(ehdr, 4);
        int data = u8(ehdr, 5);
        int machine = u16(ehdr, 18);
        if (elfClass != ELFCLASS64 || data != ELFDATA2LSB || machine != EM_X86_64) {
            throw fail(file, "not an ELF64 x86-64 file (" + (elfClass == 1 ? "ELF32" : elfClass == 2 ? "ELF64" : "class " + elfClass)
                    + (data == 2 ? " big-endian" : "") + ", machine " + machine + "; need ELF64 little-endian, machine 62)");
        }
        int type = u16(ehdr, 16);
        if (type != ET_EXEC) {
            throw fail(file, "not an executable (ELF type " + type + ", need 2 = ET_EXEC)");
        }
        long entry = ehdr.getLong(24);
        long phoff = ehdr.getLong(32);
        int phentsize = u16(ehdr, 54);
        int phnum = u16(ehdr, 56);
        if (phnum == 0) {
            throw fail(file, "has no program headers");
        }
        if (phentsize != PHDR_SIZE) {
            throw fail(file, "program header size is " + phentsize + " bytes, expected " + PHDR_SIZE);
        }
        if (phnum > MAX_PROGRAM_HEADERS) {
            throw fail(file, phnum + " program headers (at most " + MAX_PROGRAM_HEADERS + " accepted)");
        }
        long phEnd = phoff + (long) phnum * PHDR_SIZE;
        if (phoff < 0 || phEnd > size) {
            throw fail(file, "truncated: " + phnum + " program headers at offset " + phoff + " end at " + phEnd
                    + ", the file has " + size + " bytes");
        }
        ByteBuffer phdrs = read(channel, phoff, phnum * PHDR_SIZE);
        List<Segment> segments = new ArrayList<>();
        Long pvh = null;
        for (int i = 0; i < phnum; i++) {
            int base = i * PHDR_SIZE;
            int ptype = phdrs.getInt(base);
            long offset = phdrs.getLong(base + 8);
            long paddr = phdrs.getLong(base + 24);
            long filesz = phdrs.getLong(base + 32);
            long memsz = phdrs.getLong(base + 40);
            long align = phdrs.getLong(base + 48);
            if (ptype != PT_LOAD && ptype != PT_NOTE) {
                continue;
            }
            if (offset < 0 || filesz < 0 || Long.compareUnsigned(offset + filesz, size) > 0 || offset + filesz < offset) {
                throw fail(file, String.format("truncated: %s %d needs file bytes 0x%x-0x%x, the file has 0x%x",
                        ptype == PT_LOAD ? "PT_LOAD segment" : "PT_NOTE segment", i, offset, offset + filesz, size));
            }
            if (ptype == PT_NOTE) {
                if (filesz > MAX_NOTES_SIZE) {
                    throw fail(file, "PT_NOTE segment " + i + " is " + filesz + " bytes (at most " + MAX_NOTES_SIZE + ")");
                }
                Long found = pvhEntry(file, read(channel, offset, (int) filesz), align == 8 ? 8 : 4, i);
                if (found != null) {
                    pvh = found;
                }
                continue;
            }
            if (memsz == 0) {
                continue;
            }
            if (Long.compareUnsigned(filesz, memsz) > 0) {
                throw fail(file, String.format("PT_LOAD segment %d has more file bytes (0x%x) than memory bytes (0x%x)",
                        i, filesz, memsz));
            }
            if (paddr < 0 || paddr + memsz < paddr) {
                throw fail(file, String.format("PT_LOAD segment %d at 0x%x of 0x%x bytes wraps the address space",
                        i, paddr, memsz));
            }
            segments.add(new Segment(i, paddr, offset, filesz, memsz));
        }
        if (segments.isEmpty()) {
            throw fail(file, "has no PT_LOAD segments");
        }
        if (pvh == null) {
            throw fail(file, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, type 18, owner \"Xen\"): not a kernel built"
                    + " with CONFIG_PVH; use its bzImage instead");
        }
        long pvhEntry = pvh;
        if (segments.stream().noneMatch(s -> pvhEntry >= s.physicalAddress() && pvhEntry < s.physicalAddress() + s.fileSize())) {
            throw fail(file, String.format("PVH entry 0x%x is not inside any PT_LOAD segment", pvhEntry));
        }
        for (int i = 0; i < segments.size(); i++) {
            for (int j = i + 1; j < segments.size(); j++) {
                Segment a = segments.get(i);
                Segment b = segments.get(j);
                if (a.physicalAddress() < b.end() && b.physicalAddress() < a.end()) {
                    throw fail(file, a + " overlaps " + b);
                }
            }
        }
        return new ElfKernel(file, size, entry, pvhEntry, List.copyOf(segments));
    }

    /** The PVH entry in a PT_NOTE segment's notes, or null; {@code align} is 4 or 8 (p_align). */
    private static Long pvhEntry(Path file, ByteBuffer notes, int align, int segment) {
        Long entry = null;
        int position = 0;
        int limit = notes.limit();
        while (limit - position >= 12) {
            long namesz = Integer.toUnsignedLong(notes.getInt(position));
            long descsz = Integer.toUnsignedLong(notes.getInt(position + 4));
            int type = notes.getInt(position + 8);
            long nameStart = position + 12L;
            long descStart = alignUp(nameStart + namesz, align);
            long next = alignUp(descStart + descsz, align);
            if (descStart + descsz > limit) {
                throw fail(file, "truncated note in PT_NOTE segment " + segment + " at byte " + position);
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && name(notes, (int) nameStart, 4).equals("Xen")) {
                if (descsz == 4) {
                    entry = Integer.toUnsignedLong(notes.getInt((int) descStart));
                } else if (descsz == 8) {
                    entry = notes.getLong((int) descStart);
                } else {
                    throw fail(file, "PVH entry note has a " + descsz + "-byte value (need 4 or 8)");
                }
                if (entry == 0 || Long.compareUnsigned(entry, 0xFFFF_FFFFL) > 0) {
                    throw fail(file, String.format("PVH entry 0x%x is not a 32-bit physical address", entry));
                }
            }
            position = (int) Math.min(next, limit);
        }
        return entry;
    }

    private static String name(ByteBuffer notes, int start, int length) {
        byte[] bytes = new byte[length];
        notes.get(start, bytes);
        int end = 0;
        while (end < length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }

    private static long alignUp(long value, int align) {
        return (value + align - 1) & -align;
    }

    private static ByteBuffer read(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new EOFException("file ends at " + (offset + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static int u8(ByteBuffer buffer, int offset) {
        return Byte.toUnsignedInt(buffer.get(offset));
    }

    private static int u16(ByteBuffer buffer, int offset) {
        return Short.toUnsignedInt(buffer.getShort(offset));
    }

    private static BootImageException fail(Path file, String problem) {
        return new BootImageException(file + ": " + problem);
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String format() {
        return "ELF (PVH)";
    }

    /** The 32-bit physical address of the PVH entry point. */
    public long pvhEntry() {
        return pvhEntry;
    }

    /** {@code e_entry}, the (usually virtual) ELF entry; not used to boot. */
    public long elfEntry() {
        return elfEntry;
    }

    /** The non-empty {@code PT_LOAD} segments, in program-header order. */
    public List<Segment> segments() {
        return segments;
    }

    /** Lowest physical address any segment occupies. */
    public long start() {
        return segments.stream().mapToLong(Segment::physicalAddress).min().orElseThrow();
    }

    /** First physical address above every segment. */
    public long end() {
        return segments.stream().mapToLong(Segment::end).max().orElseThrow();
    }

    /**
     * Copies every segment to its physical address and zeroes the rest of its memory size (.bss).
     * Each segment must lie in {@code [ramStart, ramEnd)}; the file is read again, and must not
     * have shrunk since it was parsed.
     */
    public void load(GuestMemory memory, long ramStart, long ramEnd) {
        for (Segment segment : segments) {
            if (segment.physicalAddress() < ramStart || segment.end() > ramEnd) {
                throw fail(file, String.format("%s lies outside guest RAM 0x%x-0x%x%s", segment, ramStart, ramEnd,
                        segment.end() > ramEnd && segment.physicalAddress() >= ramStart ? " (give the VM more memory)" : ""));
            }
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() != fileSize) {
                throw fail(file, "changed since it was checked (" + fileSize + " bytes then, " + channel.size() + " now)");
            }
            byte[] chunk = new byte[(int) Math.min(COPY_CHUNK, segments.stream().mapToLong(Segment::fileSize).max().orElse(0))];
            ByteBuffer buffer = ByteBuffer.wrap(chunk);
            for (Segment segment : segments) {
                long done = 0;
                while (done < segment.fileSize()) {
                    int length = (int) Math.min(chunk.length, segment.fileSize() - done);
                    buffer.clear().limit(length);
                    while (buffer.hasRemaining()) {
                        if (channel.read(buffer, segment.fileOffset() + done + buffer.position()) < 0) {
                            throw fail(file, "truncated while loading " + segment);
                        }
                    }
                    memory.write(GuestAddress.of(segment.physicalAddress() + done), chunk, 0, length);
                    done += length;
                }
                if (segment.memorySize() > segment.fileSize()) {
                    memory.clear(GuestAddress.of(segment.physicalAddress() + segment.fileSize()),
                            segment.memorySize() - segment.fileSize());
                }
            }
        } catch (NoSuchFileException e) {
            throw new BootImageException(file + ": no such file", e);
        } catch (IOException e) {
            throw new BootImageException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return String.format("ELF kernel %s (PVH entry 0x%x, %d PT_LOAD segments at 0x%x-0x%x)", file, pvhEntry,
                segments.size(), start(), end());
    }
}
