package io.hotvisor.vmm.boot;

/**
 * The real-mode kernel header (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header").
 * Offsets count from the start of the image file; they are the same in {@code struct boot_params},
 * which holds a copy of the header at {@link #START}. Each constant is named after its boot.rst
 * field.
 */
public final class SetupHeader {
    private SetupHeader() {
    }

    public static final int START = 0x1F1;
    /** Limit of the header copy in boot_params (_pad7 ends here). */
    public static final int MAX_END = 0x290;
    /** cmdline_size (0x238..0x23C) came with protocol 2.06, so a 2.06+ header reaches at least here. */
    public static final int MIN_END = 0x23C;

    public static final int SETUP_SECTS = 0x1F1;
    public static final int ROOT_FLAGS = 0x1F2;
    public static final int SYSSIZE = 0x1F4;
    public static final int RAM_SIZE = 0x1F8;
    public static final int VID_MODE = 0x1FA;
    public static final int ROOT_DEV = 0x1FC;
    public static final int BOOT_FLAG = 0x1FE;
    public static final int JUMP = 0x200;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int REALMODE_SWTCH = 0x208;
    public static final int START_SYS_SEG = 0x20C;
    public static final int KERNEL_VERSION = 0x20E;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int SETUP_MOVE_SIZE = 0x212;
    public static final int CODE32_START = 0x214;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21C;
    public static final int BOOTSECT_KLUDGE = 0x220;
    public static final int HEAP_END_PTR = 0x224;
    public static final int EXT_LOADER_VER = 0x226;
    public static final int EXT_LOADER_TYPE = 0x227;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int INITRD_ADDR_MAX = 0x22C;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int RELOCATABLE_KERNEL = 0x234;
    public static final int MIN_ALIGNMENT = 0x235;
    public static final int XLOADFLAGS = 0x236;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int HARDWARE_SUBARCH = 0x23C;
    public static final int HARDWARE_SUBARCH_DATA = 0x240;
    public static final int PAYLOAD_OFFSET = 0x248;
    public static final int PAYLOAD_LENGTH = 0x24C;
    public static final int SETUP_DATA = 0x250;
    public static final int PREF_ADDRESS = 0x258;
    public static final int INIT_SIZE = 0x260;
    public static final int HANDOVER_OFFSET = 0x264;
    public static final int KERNEL_INFO_OFFSET = 0x268;

    public static final int BOOT_FLAG_MAGIC = 0xAA55;
    /** "HdrS" read as a little-endian u32. */
    public static final int HEADER_MAGIC = 0x53726448;
    public static final int SECTOR_SIZE = 512;
    public static final int SYSSIZE_UNIT = 16;
    /** setup_sects 0 means this many, for backwards compatibility. */
    public static final int DEFAULT_SETUP_SECTS = 4;

    // loadflags
    public static final int LOADED_HIGH = 1;
    public static final int KASLR_FLAG = 1 << 1;
    public static final int QUIET_FLAG = 1 << 5;
    public static final int KEEP_SEGMENTS = 1 << 6;
    public static final int CAN_USE_HEAP = 1 << 7;

    // xloadflags
    public static final int XLF_KERNEL_64 = 1;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
    public static final int XLF_EFI_HANDOVER_32 = 1 << 2;
    public static final int XLF_EFI_HANDOVER_64 = 1 << 3;
    public static final int XLF_EFI_KEXEC = 1 << 4;
    public static final int XLF_5LEVEL = 1 << 5;
    public static final int XLF_5LEVEL_ENABLED = 1 << 6;

    /** type_of_loader for a boot loader without an assigned id. */
    public static final int LOADER_TYPE_UNDEFINED = 0xFF;
    /** vid_mode "normal". */
    public static final int VID_MODE_NORMAL = 0xFFFF;

    // Protocol versions that introduced the fields this package reads; the minor is decimal.
    public static final int PROTOCOL_2_03 = 0x0203;
    public static final int PROTOCOL_2_06 = 0x0206;
    public static final int PROTOCOL_2_10 = 0x020A;
    public static final int PROTOCOL_2_12 = 0x020C;

    /** Prints a (major << 8) + minor version the way boot.rst does, e.g. 0x020F as "2.15". */
    public static String versionString(int version) {
        return String.format("%d.%02d", version >>> 8, version & 0xFF);
    }
}
