package io.hotvisor.vmm.boot;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts a bzImage, its initrd, command line and zero page into guest RAM per the Linux boot
 * protocol and returns the 64-bit entry point.
 */
public final class KernelLoader {
    /** The 64-bit entry is 0x200 bytes into the protected-mode kernel. */
    static final long ENTRY_64_OFFSET = 0x200;

    private KernelLoader() {
    }

    /** Where things were put, for the zero page and for inspection. */
    public record Placement(GuestAddress entry, GuestAddress initrd, long initrdSize) {
    }

    public static Placement load(GuestMemory memory, BzImage kernel, Path initrd, String cmdline,
                                 GuestAddress kernelStart, GuestAddress cmdlineAddress, GuestAddress zeroPage,
                                 long lowRamEnd, List<E820Entry> e820, GuestAddress acpiRsdp) {
        if (!kernel.supports64BitEntry()) {
            throw new BootImageException(kernel.file() + ": boot protocol " + kernel.protocolVersionString()
                    + " kernel has no 64-bit entry point (needs 2.12+ with XLF_KERNEL_64)");
        }
        long kernelEnd = kernelStart.value() + Math.max(kernel.initSize(), kernel.protectedModeSize());
        if (kernelEnd > lowRamEnd) {
            throw new BootImageException(kernel.file() + ": kernel needs memory up to 0x" + Long.toHexString(kernelEnd)
                    + " but RAM below 4 GiB ends at 0x" + Long.toHexString(lowRamEnd));
        }
        memory.write(kernelStart, kernel.copyProtectedMode());

        byte[] cmdlineBytes = cmdline.getBytes(StandardCharsets.US_ASCII);
        if (cmdlineBytes.length > kernel.cmdlineSize()) {
            throw new BootImageException("command line is " + cmdlineBytes.length + " bytes; the kernel accepts at most "
                    + kernel.cmdlineSize());
        }
        memory.write(cmdlineAddress, cmdlineBytes);
        memory.writeByte(cmdlineAddress.plus(cmdlineBytes.length), (byte) 0);

        BootParams params = BootParams.forKernel(kernel).commandLine(cmdlineAddress.value()).e820(e820)
                .acpiRsdp(acpiRsdp.value());
        GuestAddress initrdAddress = GuestAddress.of(0);
        long initrdSize = 0;
        if (initrd != null) {
            Initrd.Placement placed = Initrd.load(memory, initrd, kernelEnd,
                    Math.min(kernel.initrdAddrMax() + 1, lowRamEnd));
            initrdAddress = placed.address();
            initrdSize = placed.size();
            params.ramdisk(initrdAddress.value(), initrdSize);
        }
        memory.write(zeroPage, params.encode());
        return new Placement(kernelStart.plus(ENTRY_64_OFFSET), initrdAddress, initrdSize);
    }
}
