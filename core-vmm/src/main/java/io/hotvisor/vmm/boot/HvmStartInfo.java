package io.hotvisor.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * The PVH start-of-day structures (Linux {@code include/xen/interface/hvm/start_info.h}): {@code
 * struct hvm_start_info} (version 1, with a memory map: Linux 6.1 BUGs on version 0 outside Xen),
 * the module list ({@code struct hvm_modlist_entry}; the first module is the initrd) and the memory
 * map ({@code struct hvm_memmap_table_entry}, types as e820). All little-endian.
 *
 * @param cmdline     guest-physical address of the NUL-terminated command line, or 0
 * @param modlist     guest-physical address of the module list, or 0 if {@code modules} is empty
 * @param modules     the modules (at most one here: the initrd)
 * @param rsdp        guest-physical address of the ACPI RSDP, or 0
 * @param memmap      guest-physical address of the memory map
 * @param memoryMap   the memory map
 */
public record HvmStartInfo(long cmdline, long modlist, List<Module> modules, long rsdp, long memmap,
                           List<E820Entry> memoryMap) {
    /** "xEn3" with the 0x80 bit of the "E" set. */
    public static final int MAGIC = 0x336EC578;
    public static final int VERSION = 1;
    /** sizeof(struct hvm_start_info), version 1. */
    public static final int SIZE = 56;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int FLAGS_OFFSET = 8;
    public static final int NR_MODULES_OFFSET = 12;
    public static final int MODLIST_PADDR_OFFSET = 16;
    public static final int CMDLINE_PADDR_OFFSET = 24;
    public static final int RSDP_PADDR_OFFSET = 32;
    public static final int MEMMAP_PADDR_OFFSET = 40;
    public static final int MEMMAP_ENTRIES_OFFSET = 48;
    public static final int RESERVED_OFFSET = 52;
    /** sizeof(struct hvm_modlist_entry): paddr, size, cmdline_paddr, reserved (u64 each). */
    public static final int MODLIST_ENTRY_SIZE = 32;
    /** sizeof(struct hvm_memmap_table_entry): addr, size (u64), type, reserved (u32). */
    public static final int MEMMAP_ENTRY_SIZE = 24;

    /** A {@code struct hvm_modlist_entry}. */
    public record Module(long address, long size, long cmdline) {
    }

    public HvmStartInfo {
        modules = List.copyOf(modules);
        memoryMap = List.copyOf(memoryMap);
        if (!modules.isEmpty() && modlist == 0) {
            throw new IllegalArgumentException("modules need a module list address");
        }
        if (memoryMap.isEmpty() || memmap == 0) {
            throw new IllegalArgumentException("PVH needs a memory map (Linux has no other way to learn it)");
        }
        Objects.requireNonNull(memoryMap);
    }

    /** The 56-byte {@code struct hvm_start_info}. */
    public byte[] encode() {
        ByteBuffer le = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(MAGIC_OFFSET, MAGIC);
        le.putInt(VERSION_OFFSET, VERSION);
        le.putInt(FLAGS_OFFSET, 0);
        le.putInt(NR_MODULES_OFFSET, modules.size());
        le.putLong(MODLIST_PADDR_OFFSET, modules.isEmpty() ? 0 : modlist);
        le.putLong(CMDLINE_PADDR_OFFSET, cmdline);
        le.putLong(RSDP_PADDR_OFFSET, rsdp);
        le.putLong(MEMMAP_PADDR_OFFSET, memmap);
        le.putInt(MEMMAP_ENTRIES_OFFSET, memoryMap.size());
        le.putInt(RESERVED_OFFSET, 0);
        return le.array();
    }

    /** The module list, {@link #MODLIST_ENTRY_SIZE} bytes per module. */
    public byte[] encodeModules() {
        ByteBuffer le = ByteBuffer.allocate(MODLIST_ENTRY_SIZE * modules.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (Module module : modules) {
            le.putLong(module.address()).putLong(module.size()).putLong(module.cmdline()).putLong(0);
        }
        return le.array();
    }

    /** The memory map, {@link #MEMMAP_ENTRY_SIZE} bytes per entry. */
    public byte[] encodeMemoryMap() {
        ByteBuffer le = ByteBuffer.allocate(MEMMAP_ENTRY_SIZE * memoryMap.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Entry entry : memoryMap) {
            le.putLong(entry.address()).putLong(entry.size()).putInt(entry.type().code()).putInt(0);
        }
        return le.array();
    }
}
