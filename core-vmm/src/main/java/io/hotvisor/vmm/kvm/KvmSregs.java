package io.hotvisor.vmm.kvm;

import com.sun.jna.Memory;

/** A {@code struct kvm_sregs} in native memory; read it from the vCPU before changing it. */
public final class KvmSregs {
    private final Memory memory = new Memory(KvmAbi.SIZEOF_KVM_SREGS);

    KvmSregs() {
        memory.clear();
    }

    long address() {
        return Memory.nativeValue(memory);
    }

    /** A segment register, described as in a GDT entry. */
    public record Segment(long base, int limit, int selector, int type, boolean present, int dpl,
                          boolean db, boolean s, boolean l, boolean g) {
    }

    public KvmSregs segment(int offset, Segment seg) {
        memory.setLong(offset + KvmAbi.SEG_BASE, seg.base());
        memory.setInt(offset + KvmAbi.SEG_LIMIT, seg.limit());
        memory.setShort(offset + KvmAbi.SEG_SELECTOR, (short) seg.selector());
        memory.setByte(offset + KvmAbi.SEG_TYPE, (byte) seg.type());
        memory.setByte(offset + KvmAbi.SEG_PRESENT, (byte) (seg.present() ? 1 : 0));
        memory.setByte(offset + KvmAbi.SEG_DPL, (byte) seg.dpl());
        memory.setByte(offset + KvmAbi.SEG_DB, (byte) (seg.db() ? 1 : 0));
        memory.setByte(offset + KvmAbi.SEG_S, (byte) (seg.s() ? 1 : 0));
        memory.setByte(offset + KvmAbi.SEG_L, (byte) (seg.l() ? 1 : 0));
        memory.setByte(offset + KvmAbi.SEG_G, (byte) (seg.g() ? 1 : 0));
        memory.setByte(offset + KvmAbi.SEG_AVL, (byte) 0);
        memory.setByte(offset + KvmAbi.SEG_UNUSABLE, (byte) 0);
        return this;
    }

    /**
     * The flat model a boot protocol enters with: CS = {@code code}, DS/ES/FS/GS/SS = {@code data},
     * TR = {@code tss}, the GDT at {@code gdtBase} and no IDT.
     */
    public KvmSregs flatSegments(Segment code, Segment data, Segment tss, long gdtBase, int gdtLimit) {
        segment(KvmAbi.SREGS_CS, code);
        for (int seg : new int[] {KvmAbi.SREGS_DS, KvmAbi.SREGS_ES, KvmAbi.SREGS_FS, KvmAbi.SREGS_GS, KvmAbi.SREGS_SS}) {
            segment(seg, data);
        }
        segment(KvmAbi.SREGS_TR, tss);
        descriptorTable(KvmAbi.SREGS_GDT, gdtBase, gdtLimit);
        return descriptorTable(KvmAbi.SREGS_IDT, 0, 0);
    }

    public KvmSregs descriptorTable(int offset, long base, int limit) {
        memory.setLong(offset + KvmAbi.DTABLE_BASE, base);
        memory.setShort(offset + KvmAbi.DTABLE_LIMIT, (short) limit);
        return this;
    }

    public long get(int offset) {
        return memory.getLong(offset);
    }

    public KvmSregs set(int offset, long value) {
        memory.setLong(offset, value);
        return this;
    }
}
