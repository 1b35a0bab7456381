package io.hotvisor.vmm.boot;

import static io.hotvisor.vmm.boot.SetupHeader.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Linux x86 bzImage, parsed and checked per Documentation/arch/x86/boot.rst. Immutable; the file
 * is read once into memory.
 */
public final class BzImage implements KernelImage {
    public static final int MIN_PROTOCOL = PROTOCOL_2_06;
    /** Two sectors: the boot sector and the first setup sector, which hold the whole header. */
    private static final int MIN_FILE_SIZE = 1024;
    /** Far above any real kernel; keeps a wrong path from filling the heap. */
    private static final long MAX_FILE_SIZE = 512L << 20;
    private static final int DEFAULT_INITRD_ADDR_MAX = 0x37FF_FFFF;
    private static final int DEFAULT_CMDLINE_SIZE = 255;
    private static final int MAX_KERNEL_VERSION_LENGTH = 256;

    private final Path file;
    private final byte[] image;
    private final ByteBuffer le;
    private final int protocolVersion;
    private final int setupSects;
    private final int headerEnd;
    private final int protectedModeSize;

    private BzImage(Path file, byte[] image) {
        this.file = file;
        this.image = image;
        this.le = ByteBuffer.wrap(image).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);

        if (u16(BOOT_FLAG) != BOOT_FLAG_MAGIC) {
            throw fail("not a bzImage (no 0xAA55 boot flag at 0x1FE)");
        }
        if (le.getInt(HEADER) != HEADER_MAGIC) {
            throw fail("not a bzImage (no HdrS magic at 0x202)");
        }
        protocolVersion = u16(VERSION);
        if (protocolVersion < MIN_PROTOCOL) {
            throw fail("boot protocol " + versionString(protocolVersion) + " is too old (need "
                    + versionString(MIN_PROTOCOL) + " or newer)");
        }
        if ((u8(LOADFLAGS) & LOADED_HIGH) == 0) {
            throw fail("is a zImage (LOADED_HIGH not set in loadflags); only bzImage is supported");
        }
        // The jump at 0x200 skips the header, so its signed offset gives the header's length.
        headerEnd = HEADER + image[JUMP + 1];
        if (headerEnd < MIN_END || headerEnd > MAX_END) {
            throw fail(String.format("setup header ends at 0x%X (from the jump at 0x200), outside 0x%X..0x%X",
                    headerEnd, MIN_END, MAX_END));
        }
        int sects = u8(SETUP_SECTS);
        setupSects = sects == 0 ? DEFAULT_SETUP_SECTS : sects;
        long syssize = u32(SYSSIZE);
        if (syssize == 0) {
            throw fail("no protected-mode code (syssize is 0)");
        }
        long needed = protectedModeOffset() + syssize * SYSSIZE_UNIT;
        if (image.length < needed) {
            throw fail("truncated (file is " + image.length + " bytes, setup header says the kernel needs "
                    + needed + ")");
        }
        // Bytes past syssize (e.g. a Secure Boot signature) are not part of the kernel.
        protectedModeSize = (int) (syssize * SYSSIZE_UNIT);
    }

    /** Reads and checks {@code file}; a problem is a {@link BootImageException} naming the file. */
    public static BzImage parse(Path file) {
        if (Files.isDirectory(file)) {
            throw new BootImageException(file + ": is a directory");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new BootImageException(file + ": no such file", e);
        } catch (IOException e) {
            throw new BootImageException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (size < MIN_FILE_SIZE) {
            throw new BootImageException(file + ": too small to be a bzImage (" + size + " bytes)");
        }
        if (size > MAX_FILE_SIZE) {
            throw new BootImageException(file + ": too large to be a bzImage (" + size + " bytes)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BootImageException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (bytes.length < MIN_FILE_SIZE) {
            throw new BootImageException(file + ": too small to be a bzImage (" + bytes.length + " bytes)");
        }
        return new BzImage(file, bytes);
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String format() {
        return "bzImage";
    }

    /** (major << 8) + minor, e.g. 0x020F. */
    public int protocolVersion() {
        return protocolVersion;
    }

    /** E.g. "2.15". */
    public String protocolVersionString() {
        return versionString(protocolVersion);
    }

    /** Setup sectors after the boot sector (0 in the file already mapped to 4). */
    public int setupSects() {
        return setupSects;
    }

    /** The setup header as the kernel declares it: 0x1F1 up to 0x202 + the jump offset at 0x201. */
    public byte[] setupHeader() {
        return Arrays.copyOfRange(image, START, headerEnd);
    }

    /** File offset of the protected-mode kernel, which is loaded at 1 MiB. */
    public int protectedModeOffset() {
        return (setupSects + 1) * SECTOR_SIZE;
    }

    /** syssize * 16: the protected-mode kernel without anything appended after it. */
    public int protectedModeSize() {
        return protectedModeSize;
    }

    /** The protected-mode kernel as a read-only little-endian view of the image, without copying. */
    public ByteBuffer protectedMode() {
        return ByteBuffer.wrap(image, protectedModeOffset(), protectedModeSize).slice().asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    public byte[] copyProtectedMode() {
        return Arrays.copyOfRange(image, protectedModeOffset(), protectedModeOffset() + protectedModeSize);
    }

    public int loadFlags() {
        return u8(LOADFLAGS);
    }

    /** 0 before protocol 2.12, which introduced the field. */
    public int xloadFlags() {
        return protocolVersion >= PROTOCOL_2_12 ? u16(XLOADFLAGS) : 0;
    }

    public boolean supports64BitEntry() {
        return (xloadFlags() & XLF_KERNEL_64) != 0;
    }

    public boolean canBeLoadedAbove4G() {
        return (xloadFlags() & XLF_CAN_BE_LOADED_ABOVE_4G) != 0;
    }

    /** Highest address the initrd may occupy. */
    public long initrdAddrMax() {
        return protocolVersion >= PROTOCOL_2_03 ? u32(INITRD_ADDR_MAX) : DEFAULT_INITRD_ADDR_MAX;
    }

    /** Longest command line, without the terminating NUL. */
    public long cmdlineSize() {
        return protocolVersion >= PROTOCOL_2_06 ? u32(CMDLINE_SIZE) : DEFAULT_CMDLINE_SIZE;
    }

    /** 0 before protocol 2.10, which introduced the field. */
    public long prefAddress() {
        return protocolVersion >= PROTOCOL_2_10 ? le.getLong(PREF_ADDRESS) : 0;
    }

    /** Memory the kernel needs from its load address while it decompresses; 0 before 2.10. */
    public long initSize() {
        return protocolVersion >= PROTOCOL_2_10 ? u32(INIT_SIZE) : 0;
    }

    public long kernelAlignment() {
        return u32(KERNEL_ALIGNMENT);
    }

    public boolean relocatable() {
        return u8(RELOCATABLE_KERNEL) != 0;
    }

    /** The human-readable version string the header points to, or "" if there is none. */
    public String kernelVersion() {
        int pointer = u16(KERNEL_VERSION);
        if (pointer == 0) {
            return "";
        }
        int start = pointer + SECTOR_SIZE;
        int limit = Math.min(protectedModeOffset(), start + MAX_KERNEL_VERSION_LENGTH);
        int end = start;
        while (end < limit && image[end] != 0) {
            end++;
        }
        return end < limit ? new String(image, start, end - start, StandardCharsets.US_ASCII) : "";
    }

    @Override
    public String toString() {
        return "bzImage " + file + " (protocol " + protocolVersionString() + ", " + protectedModeSize
                + " bytes protected mode)";
    }

    private BootImageException fail(String problem) {
        return new BootImageException(file + ": " + problem);
    }

    private int u8(int offset) {
        return Byte.toUnsignedInt(le.get(offset));
    }

    private int u16(int offset) {
        return Short.toUnsignedInt(le.getShort(offset));
    }

    private long u32(int offset) {
        return Integer.toUnsignedLong(le.getInt(offset));
    }
}
