package io.hotvisor.vmm.api;

/** A guest physical address; a type of its own so it is never confused with a host address or a size. */
public record GuestAddress(long value) implements Comparable<GuestAddress> {
    public static GuestAddress of(long value) {
        return new GuestAddress(value);
    }

    public GuestAddress plus(long offset) {
        return new GuestAddress(value + offset);
    }

    /** Distance from {@code base} to this address. */
    public long offsetFrom(GuestAddress base) {
        return value - base.value;
    }

    @Override
    public int compareTo(GuestAddress other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("0x%x", value);
    }
}
