package io.hotvisor.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * The zero page ({@code struct boot_params}, bootparam.h and Documentation/arch/x86/zero-page.rst)
 * for the 64-bit boot protocol: the kernel's setup header plus what the loader fills in. Offsets
 * of the header fields are in {@link SetupHeader}; the zero page's own fields are here.
 */
public final class BootParams {
    public static final int SIZE = 4096;

    /** u64; in boot_params proper since Linux 5.0 (its 2.14 setup-header slot was withdrawn). */
    public static final int ACPI_RSDP_ADDR = 0x070;
    public static final int EXT_RAMDISK_IMAGE = 0x0C0;
    public static final int EXT_RAMDISK_SIZE = 0x0C4;
    public static final int EXT_CMD_LINE_PTR = 0x0C8;
    /** u8 count of e820_table entries. */
    public static final int E820_ENTRIES = 0x1E8;
    public static final int E820_TABLE = 0x2D0;
    public static final int E820_MAX_ENTRIES_ZEROPAGE = 128;

    /** heap_end_ptr: the real-mode heap ends 0x200 below the end of the 64 KiB setup segment. */
    public static final int HEAP_END = 0xFE00;

    private final byte[] setupHeader;
    private long cmdLinePtr;
    private long ramdiskImage;
    private long ramdiskSize;
    private long acpiRsdpAddr;
    private List<E820Entry> e820 = List.of();

    /**
     * @param setupHeader the header bytes from 0x1F1 on, as {@link BzImage#setupHeader()} returns
     *     them
     */
    public BootParams(byte[] setupHeader) {
        int end = SetupHeader.START + setupHeader.length;
        if (end < SetupHeader.MIN_END || end > SetupHeader.MAX_END) {
            throw new IllegalArgumentException(String.format(
                    "setup header of %d bytes would end at 0x%X, outside 0x%X..0x%X",
                    setupHeader.length, end, SetupHeader.MIN_END, SetupHeader.MAX_END));
        }
        this.setupHeader = setupHeader.clone();
    }

    public static BootParams forKernel(BzImage kernel) {
        return new BootParams(kernel.setupHeader());
    }

    /** Guest-physical address of the NUL-terminated command line. */
    public BootParams commandLine(long address) {
        cmdLinePtr = requireAddress(address, "command line");
        return this;
    }

    /** Guest-physical placement of the initrd; size 0 means none. */
    public BootParams ramdisk(long address, long size) {
        ramdiskImage = requireAddress(address, "ramdisk");
        if (size < 0) {
            throw new IllegalArgumentException("ramdisk size " + size + " is negative");
        }
        ramdiskSize = size;
        return this;
    }

    /** Guest-physical address of the ACPI RSDP; 0 leaves the kernel to scan for it. */
    public BootParams acpiRsdp(long address) {
        acpiRsdpAddr = requireAddress(address, "ACPI RSDP");
        return this;
    }

    public BootParams e820(List<E820Entry> entries) {
        if (entries.size() > E820_MAX_ENTRIES_ZEROPAGE) {
            throw new BootImageException("e820 map has " + entries.size() + " entries; the zero page holds at most "
                    + E820_MAX_ENTRIES_ZEROPAGE);
        }
        e820 = List.copyOf(entries);
        return this;
    }

    public byte[] encode() {
        byte[] page = new byte[SIZE];
        encodeTo(ByteBuffer.wrap(page));
        return page;
    }

    /** Writes the 4096-byte zero page at the buffer's position and advances it. */
    public void encodeTo(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.remaining() < SIZE) {
            throw new IllegalArgumentException("zero page needs " + SIZE + " bytes, buffer has " + buffer.remaining());
        }
        ByteBuffer page = buffer.slice().limit(SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        page.put(new byte[SIZE]);
        page.put(SetupHeader.START, setupHeader);

        page.put(SetupHeader.TYPE_OF_LOADER, (byte) SetupHeader.LOADER_TYPE_UNDEFINED);
        page.putShort(SetupHeader.VID_MODE, (short) SetupHeader.VID_MODE_NORMAL);
        page.put(SetupHeader.LOADFLAGS, (byte) (page.get(SetupHeader.LOADFLAGS) | SetupHeader.CAN_USE_HEAP));
        page.putShort(SetupHeader.HEAP_END_PTR, (short) HEAP_END);

        page.putInt(SetupHeader.CMD_LINE_PTR, (int) cmdLinePtr);
        page.putInt(EXT_CMD_LINE_PTR, (int) (cmdLinePtr >>> 32));
        page.putInt(SetupHeader.RAMDISK_IMAGE, (int) ramdiskImage);
        page.putInt(EXT_RAMDISK_IMAGE, (int) (ramdiskImage >>> 32));
        page.putInt(SetupHeader.RAMDISK_SIZE, (int) ramdiskSize);
        page.putInt(EXT_RAMDISK_SIZE, (int) (ramdiskSize >>> 32));
        page.putLong(ACPI_RSDP_ADDR, acpiRsdpAddr);

        page.put(E820_ENTRIES, (byte) e820.size());
        page.position(E820_TABLE);
        for (E820Entry entry : e820) {
            entry.encodeTo(page);
        }
        buffer.position(buffer.position() + SIZE);
    }

    private static long requireAddress(long address, String what) {
        if (address < 0) {
            throw new IllegalArgumentException(what + " address 0x" + Long.toHexString(address) + " is out of range");
        }
        return address;
    }
}
