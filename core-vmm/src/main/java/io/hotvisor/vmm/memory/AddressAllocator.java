package io.hotvisor.vmm.memory;

import io.hotvisor.vmm.api.VmException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Hands out naturally aligned ranges of one address window (a PCI BAR window, the memory hotplug
 * region): first fit, lowest address first, and freed ranges are reused. Not thread-safe; its
 * owner serialises.
 */
public final class AddressAllocator {
    private final String name;
    private final long base;
    private final long size;
    /** Allocated ranges: start to length. */
    private final TreeMap<Long, Long> allocated = new TreeMap<>();

    public AddressAllocator(String name, long base, long size) {
        if (size <= 0 || base < 0 || base + size < base) {
            throw new IllegalArgumentException(String.format("%s: bad window 0x%x+0x%x", name, base, size));
        }
        this.name = name;
        this.base = base;
        this.size = size;
    }

    /**
     * The lowest free address aligned to {@code alignment} (a power of two) with {@code length}
     * bytes free after it; fails with a one-line error saying how much room is left.
     */
    public long allocate(long length, long alignment) {
        OptionalLong found = find(length, alignment);
        if (found.isEmpty()) {
            throw new VmException(String.format("%s has no room for 0x%x bytes aligned to 0x%x (0x%x of 0x%x bytes free)",
                    name, length, alignment, free(), size));
        }
        allocated.put(found.getAsLong(), length);
        return found.getAsLong();
    }

    public void free(long start) {
        if (allocated.remove(start) == null) {
            throw new IllegalArgumentException(String.format("%s: nothing allocated at 0x%x", name, start));
        }
    }

    /** Bytes not allocated (not necessarily contiguous). */
    public long free() {
        return size - allocated.values().stream().mapToLong(Long::longValue).sum();
    }

    private OptionalLong find(long length, long alignment) {
        if (length <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException(name + ": length " + length + " and alignment " + alignment
                    + " must be positive, the alignment a power of two");
        }
        long candidate = alignUp(base, alignment);
        for (Map.Entry<Long, Long> range : allocated.entrySet()) {
            if (candidate + length <= range.getKey()) {
                break;
            }
            candidate = Math.max(candidate, alignUp(range.getKey() + range.getValue(), alignment));
        }
        return candidate + length <= base + size && candidate >= base ? OptionalLong.of(candidate) : OptionalLong.empty();
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
