package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmSregs;
import io.hotvisor.vmm.kvm.KvmSregs.Segment;
import io.hotvisor.vmm.kvm.VcpuFd;

/**
 * The CPU state of the PVH boot protocol (Xen's docs/misc/pvh.pandoc, as Linux's
 * arch/x86/platform/pvh/head.S expects it): 32-bit protected mode with paging off, flat 4 GiB
 * code and data segments, a 32-bit TSS of limit 0x67, CR0 = PE with caches enabled, CR4 = 0,
 * EFER = 0, interrupts off, EBX = guest-physical address of the {@code hvm_start_info}. The kernel
 * sets up its own stack, GDT and IDT; the GDT written here only keeps the selectors honest.
 */
public final class ProtectedModeBoot {
    static final int CODE32 = 0x10;
    static final int DATA = 0x18;
    static final int TSS = 0x20;
    static final int TSS_LIMIT = 0x67;
    static final long[] GDT = {
        0,
        0,
        LongModeBoot.gdtEntry(0xC09B, 0, 0xFFFFF), // 32-bit code, execute/read, 4 KiB granular
        LongModeBoot.gdtEntry(0xC093, 0, 0xFFFFF), // flat data, read/write
        LongModeBoot.gdtEntry(0x008B, 0, TSS_LIMIT), // busy 32-bit TSS
    };
    static final long CR0_PE = 1;
    static final long CR0_ET = 1 << 4;
    private static final long RFLAGS_RESERVED = 0x2;

    private ProtectedModeBoot() {
    }

    /** Writes the PVH boot GDT at {@link Layout#BOOT_GDT}. */
    public static void writeTables(GuestMemory memory) {
        for (int i = 0; i < GDT.length; i++) {
            memory.writeLong(Layout.BOOT_GDT.plus(8L * i), GDT[i]);
        }
    }

    /** Puts the boot vCPU at the PVH {@code entry} with EBX = {@code startInfo}. */
    public static void enterPvh(VcpuFd vcpu, GuestAddress entry, GuestAddress startInfo) {
        if (entry.value() > 0xFFFF_FFFFL || startInfo.value() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("PVH entry " + entry + " and start info " + startInfo
                    + " must be 32-bit addresses");
        }
        KvmSregs sregs = vcpu.sregs();
        Segment code = new Segment(0, 0xFFFFFFFF, CODE32, 0xB, true, 0, true, true, false, true);
        Segment data = new Segment(0, 0xFFFFFFFF, DATA, 0x3, true, 0, true, true, false, true);
        Segment tss = new Segment(0, TSS_LIMIT, TSS, 0xB, true, 0, false, false, false, false);
        sregs.flatSegments(code, data, tss, Layout.BOOT_GDT.value(), GDT.length * 8 - 1);
        // ET is hard-wired to 1; every other CR0 bit (PG, CD, NW, ...) clear.
        sregs.set(KvmAbi.SREGS_CR0, CR0_PE | CR0_ET);
        sregs.set(KvmAbi.SREGS_CR3, 0);
        sregs.set(KvmAbi.SREGS_CR4, 0);
        sregs.set(KvmAbi.SREGS_EFER, 0);
        vcpu.setSregs(sregs);

        vcpu.setRegs(vcpu.regs()
                .set(KvmAbi.REGS_RFLAGS, RFLAGS_RESERVED)
                .set(KvmAbi.REGS_RIP, entry.value())
                .set(KvmAbi.REGS_RBX, startInfo.value())
                .set(KvmAbi.REGS_RSI, 0)
                .set(KvmAbi.REGS_RSP, 0)
                .set(KvmAbi.REGS_RBP, 0));
    }
}
