package io.hotvisor.memhotplug;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.VmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Chooses a DIMM's slot and its range in the hotplug region, seeing the DIMMs plugged: the lowest
 * free slot and the first free range that fits (first fit), unless the request names them. Sizes
 * and addresses go by Linux's x86-64 memory block of 128 MiB, the unit it onlines and offlines.
 */
final class DimmAllocator {
    static final long BLOCK = 128L << 20;

    private final long regionBase;
    private final long regionEnd;
    private final int slots;

    DimmAllocator(long regionBase, long regionSize, int slots) {
        this.regionBase = regionBase;
        this.regionEnd = regionBase + regionSize;
        this.slots = slots;
    }

    /** A free range of the region. */
    record Range(long base, long size) {
    }

    int slot(List<Dimm> plugged, OptionalInt requested) {
        if (requested.isPresent()) {
            int slot = requested.getAsInt();
            if (slot < 0 || slot >= slots) {
                throw new VmException("slot " + slot + " is beyond memory-slots: the slots are 0.." + (slots - 1));
            }
            plugged.stream().filter(dimm -> dimm.slot() == slot).findFirst().ifPresent(dimm -> {
                throw new VmException("slot " + slot + " is used by " + dimm.device());
            });
            return slot;
        }
        for (int slot = 0; slot < slots; slot++) {
            int candidate = slot;
            if (plugged.stream().noneMatch(dimm -> dimm.slot() == candidate)) {
                return slot;
            }
        }
        throw new VmException("all " + slots + " memory slots are used (memory-slots)");
    }

    long address(List<Dimm> plugged, long size, OptionalLong requested) {
        requireSize(size);
        if (requested.isPresent()) {
            return explicitAddress(plugged, size, requested.getAsLong());
        }
        List<Range> free = free(plugged);
        for (Range range : free) {
            if (range.size() >= size) {
                return range.base();
            }
        }
        long left = free.stream().mapToLong(Range::size).sum();
        if (left == 0) {
            throw new VmException("the hotplug region is full (" + MemorySize.format(regionEnd - regionBase) + ")");
        }
        Range largest = free.stream().max(Comparator.comparingLong(Range::size)).orElseThrow();
        throw new VmException("the hotplug region has no room for " + MemorySize.format(size) + ": "
                + MemorySize.format(left) + " left, the largest free range is " + MemorySize.format(largest.size())
                + String.format(" at 0x%x", largest.base()));
    }

    static void requireSize(long size) {
        if (size <= 0 || size % BLOCK != 0) {
            throw new VmException("size " + MemorySize.format(size) + " is not a multiple of "
                    + MemorySize.format(BLOCK));
        }
    }

    private long explicitAddress(List<Dimm> plugged, long size, long addr) {
        if (addr % BLOCK != 0) {
            throw new VmException(String.format("addr 0x%x is not aligned to %s", addr, MemorySize.format(BLOCK)));
        }
        if (addr < regionBase || addr > regionEnd - size) {
            throw new VmException(String.format("addr 0x%x with size %s is outside the hotplug region 0x%x-0x%x",
                    addr, MemorySize.format(size), regionBase, regionEnd - 1));
        }
        for (Dimm dimm : plugged) {
            if (addr < dimm.end() && dimm.base() < addr + size) {
                throw new VmException(String.format("addr 0x%x with size %s overlaps %s at 0x%x-0x%x", addr,
                        MemorySize.format(size), dimm.device(), dimm.base(), dimm.end() - 1));
            }
        }
        return addr;
    }

    /** The free ranges of the region, by address. */
    List<Range> free(List<Dimm> plugged) {
        List<Range> free = new ArrayList<>();
        long next = regionBase;
        for (Dimm dimm : plugged.stream().sorted(Comparator.comparingLong(Dimm::base)).toList()) {
            if (dimm.base() > next) {
                free.add(new Range(next, dimm.base() - next));
            }
            next = Math.max(next, dimm.end());
        }
        if (next < regionEnd) {
            free.add(new Range(next, regionEnd - next));
        }
        return free;
    }
}
