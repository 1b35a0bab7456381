package io.hotvisor.vmm.boot;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts an {@link ElfKernel}, its initrd, command line and {@link HvmStartInfo} into guest RAM for
 * the PVH boot protocol (as Firecracker and Cloud Hypervisor do) and returns the 32-bit entry.
 * The start info, module list and memory map share one page: start info at +0, module list at
 * {@code +0x40}, memory map at {@code +0x80}.
 */
public final class PvhLoader {
    static final int MODLIST_OFFSET = 0x40;
    static final int MEMMAP_OFFSET = 0x80;
    static final int MAX_MEMMAP_ENTRIES = (0x1000 - MEMMAP_OFFSET) / HvmStartInfo.MEMMAP_ENTRY_SIZE;
    /** Linux's COMMAND_LINE_SIZE on x86 is 2048 bytes with the NUL. */
    static final int MAX_CMDLINE = 2047;
    /**
     * The initrd goes as high as possible below this (or the end of low RAM): the same limit the
     * bzImage of a 64-bit kernel declares in initrd_addr_max, so both protocols place it alike.
     */
    static final long INITRD_LIMIT = 0x8000_0000L;
    private static final long PAGE = 0x1000;

    private PvhLoader() {
    }

    /** Where things were put. */
    public record Placement(GuestAddress entry, GuestAddress startInfo, GuestAddress initrd, long initrdSize) {
    }

    /**
     * @param ramStart   lowest address a kernel segment may use (1 MiB: below is firmware land)
     * @param lowRamEnd  end of RAM below the 32-bit hole; segments and initrd stay below it
     */
    public static Placement load(GuestMemory memory, ElfKernel kernel, Path initrd, String cmdline,
                                 GuestAddress cmdlineAddress, GuestAddress startInfo, long ramStart, long lowRamEnd,
                                 List<E820Entry> e820, GuestAddress acpiRsdp) {
        if (e820.size() > MAX_MEMMAP_ENTRIES) {
            throw new BootImageException("memory map has " + e820.size() + " entries; at most " + MAX_MEMMAP_ENTRIES
                    + " fit the PVH start info page");
        }
        byte[] cmdlineBytes = cmdline.getBytes(StandardCharsets.US_ASCII);
        if (cmdlineBytes.length > MAX_CMDLINE) {
            throw new BootImageException("command line is " + cmdlineBytes.length + " bytes; Linux accepts at most "
                    + MAX_CMDLINE);
        }
        kernel.load(memory, ramStart, lowRamEnd);
        memory.write(cmdlineAddress, cmdlineBytes);
        memory.writeByte(cmdlineAddress.plus(cmdlineBytes.length), (byte) 0);

        GuestAddress initrdAddress = GuestAddress.of(0);
        long initrdSize = 0;
        List<HvmStartInfo.Module> modules = List.of();
        if (initrd != null) {
            Initrd.Placement placed = Initrd.load(memory, initrd, kernel.end(), Math.min(INITRD_LIMIT, lowRamEnd));
            initrdAddress = placed.address();
            initrdSize = placed.size();
            modules = List.of(new HvmStartInfo.Module(initrdAddress.value(), initrdSize, 0));
        }
        HvmStartInfo info = new HvmStartInfo(cmdlineAddress.value(), startInfo.value() + MODLIST_OFFSET, modules,
                acpiRsdp.value(), startInfo.value() + MEMMAP_OFFSET, e820);
        memory.clear(startInfo, PAGE);
        memory.write(startInfo, info.encode());
        memory.write(startInfo.plus(MODLIST_OFFSET), info.encodeModules());
        memory.write(startInfo.plus(MEMMAP_OFFSET), info.encodeMemoryMap());
        return new Placement(GuestAddress.of(kernel.pvhEntry()), startInfo, initrdAddress, initrdSize);
    }
}
