package io.hotvisor.vmm.api;

/**
 * A device on the MMIO bus. {@code offset} is relative to the base address it was registered at;
 * {@code data.length} is the access size (1, 2, 4 or 8). Called on vCPU threads.
 */
public interface MmioDevice {
    void read(long offset, byte[] data);

    void write(long offset, byte[] data);
}
