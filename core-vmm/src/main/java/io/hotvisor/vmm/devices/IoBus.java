package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.api.VmException;
import java.util.Arrays;

/**
 * Address ranges mapped to devices. Lookups (on vCPU threads) read an immutable snapshot without
 * locking or allocating; registration copies the snapshot.
 *
 * @param <D> device type ({@code PioDevice} or {@code MmioDevice})
 */
public final class IoBus<D> {
    /** A device found by {@link #find}: where its range starts. */
    public record Mapping<D>(long base, long length, D device) {
    }

    private final String name;
    private volatile Mapping<D>[] mappings;

    @SuppressWarnings("unchecked")
    public IoBus(String name) {
        this.name = name;
        this.mappings = new Mapping[0];
    }

    public synchronized void register(long base, long length, D device) {
        if (length <= 0) {
            throw new VmException(name + ": empty range at 0x" + Long.toHexString(base));
        }
        if (Long.compareUnsigned(base + length - 1, base) < 0) {
            throw new VmException(String.format("%s: range 0x%x+0x%x runs past the end of the address space",
                    name, base, length));
        }
        for (Mapping<D> m : mappings) {
            // Unsigned, like find(): either range's start lies inside the other.
            if (Long.compareUnsigned(base - m.base(), m.length()) < 0 || Long.compareUnsigned(m.base() - base, length) < 0) {
                throw new VmException(String.format("%s: range 0x%x+0x%x overlaps 0x%x+0x%x",
                        name, base, length, m.base(), m.length()));
            }
        }
        Mapping<D>[] next = Arrays.copyOf(mappings, mappings.length + 1);
        next[mappings.length] = new Mapping<>(base, length, device);
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.base(), b.base()));
        mappings = next;
    }

    public synchronized void unregister(long base) {
        mappings = Arrays.stream(mappings).filter(m -> m.base() != base).toArray(Mapping[]::new);
    }

    /** The mapping that contains {@code address}, or null. */
    public Mapping<D> find(long address) {
        Mapping<D>[] snapshot = mappings;
        int low = 0;
        int high = snapshot.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            Mapping<D> m = snapshot[mid];
            if (Long.compareUnsigned(address, m.base()) < 0) {
                high = mid - 1;
            } else if (Long.compareUnsigned(address - m.base(), m.length()) >= 0) {
                low = mid + 1;
            } else {
                return m;
            }
        }
        return null;
    }
}
