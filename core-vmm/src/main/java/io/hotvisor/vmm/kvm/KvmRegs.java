package io.hotvisor.vmm.kvm;

import com.sun.jna.Memory;

/** A {@code struct kvm_regs} in native memory. */
public final class KvmRegs {
    private final Memory memory = new Memory(KvmAbi.SIZEOF_KVM_REGS);

    KvmRegs() {
        memory.clear();
    }

    long address() {
        return Memory.nativeValue(memory);
    }

    public long get(int offset) {
        return memory.getLong(offset);
    }

    public KvmRegs set(int offset, long value) {
        memory.setLong(offset, value);
        return this;
    }

    public long rip() {
        return get(KvmAbi.REGS_RIP);
    }
}
