package io.hotvisor.vmm.api.pci;

/**
 * A base address register a device asks for. The core picks its address from the host bridge's
 * windows (32-bit MMIO, 64-bit MMIO or I/O ports) and maps it while the guest has decoding on.
 *
 * @param index        BAR number 0-5; a 64-bit BAR also takes {@code index + 1}
 * @param size         bytes, a power of two: at least 4 KiB for memory (so it can be a KVM slot
 *                     or an mmap), at least 4 for I/O
 * @param kind         which window it comes from
 * @param prefetchable memory BARs only: reads have no side effects
 */
public record PciBar(int index, long size, Kind kind, boolean prefetchable) {
    public static final int COUNT = 6;
    public static final long MIN_MEMORY_SIZE = 0x1000;
    public static final long MIN_IO_SIZE = 4;
    public static final long MAX_IO_SIZE = 0x100;

    public enum Kind {
        MEMORY_32,
        MEMORY_64,
        IO
    }

    public PciBar {
        int last = kind == Kind.MEMORY_64 ? index + 1 : index;
        if (index < 0 || last >= COUNT) {
            throw new IllegalArgumentException("BAR " + index + (kind == Kind.MEMORY_64 ? " (64-bit, two registers)" : "")
                    + " must lie within BARs 0-" + (COUNT - 1));
        }
        long min = kind == Kind.IO ? MIN_IO_SIZE : MIN_MEMORY_SIZE;
        long max = switch (kind) {
            case IO -> MAX_IO_SIZE;
            case MEMORY_32 -> 1L << 31;
            case MEMORY_64 -> 1L << 62;
        };
        if (Long.bitCount(size) != 1 || size < min || size > max) {
            throw new IllegalArgumentException(String.format("BAR %d: size 0x%x must be a power of two from 0x%x to 0x%x",
                    index, size, min, max));
        }
        if (prefetchable && kind == Kind.IO) {
            throw new IllegalArgumentException("BAR " + index + ": an I/O BAR cannot be prefetchable");
        }
    }

    public static PciBar memory32(int index, long size) {
        return new PciBar(index, size, Kind.MEMORY_32, false);
    }

    public static PciBar memory64(int index, long size, boolean prefetchable) {
        return new PciBar(index, size, Kind.MEMORY_64, prefetchable);
    }

    public static PciBar io(int index, long size) {
        return new PciBar(index, size, Kind.IO, false);
    }

    /** The read-only type bits of the BAR register's low dword (PCI 3.0 §6.2.5.1). */
    int typeBits() {
        return switch (kind) {
            case IO -> 0x1;
            case MEMORY_32 -> prefetchable ? 0x8 : 0x0;
            case MEMORY_64 -> 0x4 | (prefetchable ? 0x8 : 0x0);
        };
    }
}
