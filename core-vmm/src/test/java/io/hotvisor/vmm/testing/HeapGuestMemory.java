package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.GuestMemoryException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Guest RAM from 0 to {@code size} on the Java heap, bounds-checked like the real one: for tests without KVM. */
public final class HeapGuestMemory implements GuestMemory {
    private final ByteBuffer bytes;

    public HeapGuestMemory(int size) {
        bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long size() {
        return bytes.capacity();
    }

    @Override
    public boolean contains(GuestAddress address, long length) {
        return address.value() >= 0 && length >= 0 && address.value() + length <= bytes.capacity();
    }

    private int at(GuestAddress address, long length) {
        if (!contains(address, length)) {
            throw new GuestMemoryException(address, length);
        }
        return (int) address.value();
    }

    @Override
    public void read(GuestAddress address, byte[] dst, int offset, int length) {
        bytes.get(at(address, length), dst, offset, length);
    }

    @Override
    public void write(GuestAddress address, byte[] src, int offset, int length) {
        bytes.put(at(address, length), src, offset, length);
    }

    @Override
    public byte readByte(GuestAddress address) {
        return bytes.get(at(address, 1));
    }

    @Override
    public short readShort(GuestAddress address) {
        return bytes.getShort(at(address, 2));
    }

    @Override
    public int readInt(GuestAddress address) {
        return bytes.getInt(at(address, 4));
    }

    @Override
    public long readLong(GuestAddress address) {
        return bytes.getLong(at(address, 8));
    }

    @Override
    public void writeByte(GuestAddress address, byte value) {
        bytes.put(at(address, 1), value);
    }

    @Override
    public void writeShort(GuestAddress address, short value) {
        bytes.putShort(at(address, 2), value);
    }

    @Override
    public void writeInt(GuestAddress address, int value) {
        bytes.putInt(at(address, 4), value);
    }

    @Override
    public void writeLong(GuestAddress address, long value) {
        bytes.putLong(at(address, 8), value);
    }

    @Override
    public ByteBuffer buffer(GuestAddress address, int length) {
        return bytes.slice(at(address, length), length);
    }

    @Override
    public void clear(GuestAddress address, long length) {
        int start = at(address, length);
        for (int i = 0; i < length; i++) {
            bytes.put(start + i, (byte) 0);
        }
    }
}
