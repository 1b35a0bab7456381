package io.hotvisor.vmm.memory;

import io.hotvisor.vmm.api.VmException;
import java.util.BitSet;

/**
 * The KVM memory slots of one VM: the lowest free slot is handed out, and a freed slot is reused,
 * so plug/unplug cycles never run out of them.
 */
public final class MemorySlots {
    private final int limit;
    private final BitSet used = new BitSet();

    /** {@code limit}: how many slots KVM gives a VM ({@code KVM_CAP_NR_MEMSLOTS}). */
    public MemorySlots(int limit) {
        this.limit = limit;
    }

    public synchronized int allocate() {
        int slot = used.nextClearBit(0);
        if (slot >= limit) {
            throw new VmException("all " + limit + " KVM memory slots are in use");
        }
        used.set(slot);
        return slot;
    }

    public synchronized void release(int slot) {
        if (!used.get(slot)) {
            throw new IllegalStateException("KVM memory slot " + slot + " is not in use");
        }
        used.clear(slot);
    }

    public synchronized int inUse() {
        return used.cardinality();
    }
}
