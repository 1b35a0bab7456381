package io.hotvisor.vmm.memory;

/** KVM memory slots for host memory that a device maps into its BARs (the machine's guest RAM hands them out). */
public interface DeviceMemory {
    /** Sets a slot for {@code size} bytes at {@code guestAddress}, backed by {@code hostAddress}; returns the slot. */
    int map(long guestAddress, long size, long hostAddress);

    /** Deletes the slot {@link #map} returned. */
    void unmap(int slot);
}
