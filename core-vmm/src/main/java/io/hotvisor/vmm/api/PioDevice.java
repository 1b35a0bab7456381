package io.hotvisor.vmm.api;

/**
 * A device on the I/O port bus. {@code offset} is relative to the base port it was registered at;
 * {@code data.length} is the access size (1, 2 or 4). Called on vCPU threads.
 */
public interface PioDevice {
    /** Fills {@code data} (little-endian) with the value the guest reads. */
    void read(int offset, byte[] data);

    void write(int offset, byte[] data);
}
