package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmSregs;
import io.hotvisor.vmm.kvm.KvmSregs.Segment;
import io.hotvisor.vmm.kvm.VcpuFd;

/**
 * The CPU state the Linux 64-bit boot protocol asks for: long mode, the low 4 GiB identity
 * mapped, a GDT with flat __BOOT_CS (0x10) and __BOOT_DS (0x18), interrupts off, RSI = zero page.
 */
public final class LongModeBoot {
    static final int BOOT_CS = 0x10;
    static final int BOOT_DS = 0x18;
    static final int BOOT_TSS = 0x20;
    static final long[] GDT = {
        0,
        0,
        gdtEntry(0xA09B, 0, 0xFFFFF), // 64-bit code, execute/read
        gdtEntry(0xC093, 0, 0xFFFFF), // flat data, read/write
        gdtEntry(0x808B, 0, 0xFFFFF), // busy TSS, needed for VM entry
    };
    private static final long CR0_PE = 1;
    private static final long CR0_ET = 1 << 4;
    private static final long CR0_NW = 1L << 29;
    private static final long CR0_CD = 1L << 30;
    private static final long CR0_PG = 1L << 31;
    private static final long CR4_PAE = 1 << 5;
    private static final long EFER_LME = 1 << 8;
    private static final long EFER_LMA = 1 << 10;
    private static final long PAGE_PRESENT_WRITABLE = 0x3;
    private static final long PAGE_HUGE = 0x80;
    private static final int APIC_DELIVERY_EXTINT = 7 << 8;
    private static final int APIC_DELIVERY_NMI = 4 << 8;

    private LongModeBoot() {
    }

    static long gdtEntry(int flags, long base, long limit) {
        return ((base & 0xFF00_0000L) << 32) | ((base & 0x00FF_FFFFL) << 16) | (limit & 0xFFFFL)
                | ((limit & 0xF_0000L) << 32) | ((long) (flags & 0xF0FF) << 40);
    }

    /** Writes the boot GDT and the identity-mapping page tables into guest RAM. */
    public static void writeTables(GuestMemory memory) {
        for (int i = 0; i < GDT.length; i++) {
            memory.writeLong(Layout.BOOT_GDT.plus(8L * i), GDT[i]);
        }
        memory.clear(Layout.PML4, 0x1000);
        memory.clear(Layout.PDPT, 0x1000);
        memory.writeLong(Layout.PML4, Layout.PDPT.value() | PAGE_PRESENT_WRITABLE);
        for (int gib = 0; gib < 4; gib++) {
            GuestAddress directory = Layout.PAGE_DIRECTORIES.plus(0x1000L * gib);
            memory.writeLong(Layout.PDPT.plus(8L * gib), directory.value() | PAGE_PRESENT_WRITABLE);
            for (int entry = 0; entry < 512; entry++) {
                long physical = ((long) gib << 30) | ((long) entry << 21);
                memory.writeLong(directory.plus(8L * entry), physical | PAGE_PRESENT_WRITABLE | PAGE_HUGE);
            }
        }
    }

    /** Puts the boot vCPU at {@code entry} in 64-bit mode with RSI pointing at the zero page. */
    public static void enter64(VcpuFd vcpu, GuestAddress entry, GuestAddress zeroPage) {
        KvmSregs sregs = vcpu.sregs();
        Segment code = new Segment(0, 0xFFFFFFFF, BOOT_CS, 0xB, true, 0, false, true, true, true);
        Segment data = new Segment(0, 0xFFFFFFFF, BOOT_DS, 0x3, true, 0, true, true, false, true);
        Segment tss = new Segment(0, 0xFFFFF, BOOT_TSS, 0xB, true, 0, false, false, false, true);
        sregs.flatSegments(code, data, tss, Layout.BOOT_GDT.value(), GDT.length * 8 - 1);
        sregs.set(KvmAbi.SREGS_CR3, Layout.PML4.value());
        sregs.set(KvmAbi.SREGS_CR4, sregs.get(KvmAbi.SREGS_CR4) | CR4_PAE);
        // Caches on: KVM's reset CR0 has CD and NW set, which firmware would clear.
        sregs.set(KvmAbi.SREGS_CR0, (sregs.get(KvmAbi.SREGS_CR0) & ~(CR0_CD | CR0_NW)) | CR0_PE | CR0_ET | CR0_PG);
        sregs.set(KvmAbi.SREGS_EFER, sregs.get(KvmAbi.SREGS_EFER) | EFER_LME | EFER_LMA);
        vcpu.setSregs(sregs);

        vcpu.setRegs(vcpu.regs()
                .set(KvmAbi.REGS_RFLAGS, 0x2)
                .set(KvmAbi.REGS_RIP, entry.value())
                .set(KvmAbi.REGS_RSI, zeroPage.value())
                .set(KvmAbi.REGS_RSP, Layout.BOOT_STACK_TOP.value())
                .set(KvmAbi.REGS_RBP, Layout.BOOT_STACK_TOP.value()));
    }

    /** x87 and SSE reset state; LINT0 as the PIC's virtual wire (ExtINT) and LINT1 as NMI. */
    public static void resetFpuAndLapic(VcpuFd vcpu) {
        vcpu.setFpu(0x37F, 0x1F80);
        byte[] lapic = vcpu.lapic();
        setLvtDeliveryMode(lapic, KvmAbi.APIC_LVT_LINT0, APIC_DELIVERY_EXTINT);
        setLvtDeliveryMode(lapic, KvmAbi.APIC_LVT_LINT1, APIC_DELIVERY_NMI);
        vcpu.setLapic(lapic);
    }

    private static void setLvtDeliveryMode(byte[] lapic, int register, int mode) {
        int value = (lapic[register] & 0xFF) | (lapic[register + 1] & 0xFF) << 8
                | (lapic[register + 2] & 0xFF) << 16 | (lapic[register + 3] & 0xFF) << 24;
        value = (value & ~0x700) | mode;
        for (int i = 0; i < 4; i++) {
            lapic[register + i] = (byte) (value >>> (8 * i));
        }
    }
}
