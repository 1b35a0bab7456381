package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.boot.BzImage;
import io.hotvisor.vmm.boot.ElfKernel;
import io.hotvisor.vmm.boot.KernelImage;
import io.hotvisor.vmm.boot.KernelLoader;
import io.hotvisor.vmm.boot.PvhLoader;
import io.hotvisor.vmm.kvm.VcpuFd;
import java.nio.file.Path;

/**
 * Loads a {@link KernelImage} with the protocol its format needs and returns how to enter it: a
 * bzImage through the 64-bit Linux boot protocol (zero page, {@link LongModeBoot}), an ELF kernel
 * through PVH ({@code hvm_start_info}, {@link ProtectedModeBoot}).
 */
public final class KernelBoot {
    private KernelBoot() {
    }

    public enum Protocol {
        /** 64-bit Linux boot protocol: long mode, RSI = zero page. */
        LINUX_64,
        /** PVH: 32-bit protected mode, paging off, EBX = hvm_start_info. */
        PVH
    }

    /**
     * The boot vCPU's entry state.
     *
     * @param bootInfo the zero page (LINUX_64) or the hvm_start_info (PVH)
     */
    public record Entry(Protocol protocol, GuestAddress entry, GuestAddress bootInfo, GuestAddress initrd,
                        long initrdSize) {
        /** Puts the boot vCPU into this state (the caller marks it runnable). */
        public void enter(VcpuFd vcpu) {
            switch (protocol) {
                case LINUX_64 -> LongModeBoot.enter64(vcpu, entry, bootInfo);
                case PVH -> ProtectedModeBoot.enterPvh(vcpu, entry, bootInfo);
                default -> throw new IllegalStateException(protocol.name());
            }
        }
    }

    /**
     * Writes the kernel, initrd, command line, boot structures and boot tables into {@code memory}
     * laid out as {@link Layout} says, with the e820 map of {@code map}.
     */
    public static Entry load(GuestMemory memory, KernelImage kernel, Path initrd, String cmdline, MemoryMap map,
                             GuestAddress acpiRsdp) {
        if (kernel instanceof BzImage bzImage) {
            KernelLoader.Placement placement = KernelLoader.load(memory, bzImage, initrd, cmdline, Layout.KERNEL_START,
                    Layout.CMDLINE, Layout.ZERO_PAGE, map.lowRamEnd(), map.e820(), acpiRsdp);
            LongModeBoot.writeTables(memory);
            return new Entry(Protocol.LINUX_64, placement.entry(), Layout.ZERO_PAGE, placement.initrd(),
                    placement.initrdSize());
        }
        if (kernel instanceof ElfKernel elf) {
            PvhLoader.Placement placement = PvhLoader.load(memory, elf, initrd, cmdline, Layout.CMDLINE,
                    Layout.PVH_START_INFO, Layout.KERNEL_START.value(), map.lowRamEnd(), map.e820(), acpiRsdp);
            ProtectedModeBoot.writeTables(memory);
            return new Entry(Protocol.PVH, placement.entry(), placement.startInfo(), placement.initrd(),
                    placement.initrdSize());
        }
        throw new IllegalArgumentException("unknown kernel image " + kernel);
    }
}
