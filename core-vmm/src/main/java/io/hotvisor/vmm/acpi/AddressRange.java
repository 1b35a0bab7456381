package io.hotvisor.vmm.acpi;

/** A range of guest physical addresses: {@code size} bytes from {@code base}. */
public record AddressRange(long base, long size) {
    public AddressRange {
        if (size <= 0) {
            throw new IllegalArgumentException(String.format("address range at 0x%x has size %d; it must be positive",
                    base, size));
        }
        if (base < 0 || base + size - 1 < base) {
            throw new IllegalArgumentException(String.format("address range 0x%x + 0x%x runs past 2^63", base, size));
        }
    }

    /** The last address in the range (inclusive), as resource descriptors want it. */
    public long last() {
        return base + size - 1;
    }

    /** The first address after the range. */
    public long end() {
        return base + size;
    }

    @Override
    public String toString() {
        return String.format("[0x%x-0x%x]", base, last());
    }
}
