package io.hotvisor.vmm.api;

/**
 * A device on the MMIO bus. {@code offset} is relative to the base address it was registered at;
 * {@code data.length} is the access size (1, 2, 4 or 8). Called on vCPU threads.
 */
public interface MmioDevice {
    void read(long offset, byte[] data);

    void write(long offset, byte[] data);

    /** The value an access carries, as the guest wrote it (x86 is little-endian), for accesses up to 4 bytes. */
    static int littleEndian(byte[] data) {
        int value = 0;
        for (int i = 0; i < data.length; i++) {
            value |= (data[i] & 0xFF) << (8 * i);
        }
        return value;
    }
}
