package io.hotvisor.vmm.api;

/**
 * Guest RAM. Every access is bounds-checked: an address outside RAM (or a range that runs off a
 * region) throws {@link GuestMemoryException}, never crashes the JVM. Multi-byte values are
 * little-endian.
 */
public interface GuestMemory {
    /** Total RAM in bytes. */
    long size();

    boolean contains(GuestAddress address, long length);

    void read(GuestAddress address, byte[] dst, int offset, int length);

    void write(GuestAddress address, byte[] src, int offset, int length);

    default void write(GuestAddress address, byte[] src) {
        write(address, src, 0, src.length);
    }

    byte readByte(GuestAddress address);

    short readShort(GuestAddress address);

    int readInt(GuestAddress address);

    long readLong(GuestAddress address);

    void writeByte(GuestAddress address, byte value);

    void writeShort(GuestAddress address, short value);

    void writeInt(GuestAddress address, int value);

    void writeLong(GuestAddress address, long value);

    /**
     * A view of {@code length} bytes of guest RAM at {@code address}, for I/O straight into or out
     * of it (a disk read lands in the guest's buffer without a copy). Bounds-checked like every
     * access; valid while the machine runs, so use it within one request on the I/O thread.
     */
    java.nio.ByteBuffer buffer(GuestAddress address, int length);

    /** Sets {@code length} bytes to zero. */
    void clear(GuestAddress address, long length);
}
