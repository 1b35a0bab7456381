package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.util.List;

/**
 * One request the driver made available: the device-readable buffers first, then the
 * device-writable ones, every one checked to lie in guest RAM. Give it back with
 * {@link Virtqueue#addUsed} and the number of bytes written.
 */
public record DescriptorChain(int head, List<Buffer> readable, List<Buffer> writable) {
    /** {@code length} bytes of guest memory at {@code address}. */
    public record Buffer(GuestAddress address, int length) {
    }

    public DescriptorChain {
        readable = List.copyOf(readable);
        writable = List.copyOf(writable);
    }

    public long readableBytes() {
        return readable.stream().mapToLong(Buffer::length).sum();
    }

    public long writableBytes() {
        return writable.stream().mapToLong(Buffer::length).sum();
    }

    /** The most {@link #read(GuestMemory)} copies at once; larger chains are read piece by piece. */
    public static final int MAX_COPY = 1 << 20;

    /**
     * Every readable byte, in order, for chains up to {@link #MAX_COPY} bytes (a network frame, a
     * control message); a larger one is refused, so a guest cannot make the host allocate at will.
     */
    public byte[] read(GuestMemory memory) {
        long total = readableBytes();
        if (total > MAX_COPY) {
            throw new VirtqueueException("descriptor chain " + head + ": " + total + " readable bytes, more than the "
                    + MAX_COPY + " this device takes in one request");
        }
        byte[] data = new byte[(int) total];
        read(memory, 0, data, 0, data.length);
        return data;
    }

    /** Copies {@code length} readable bytes from {@code offset} into the chain onwards into {@code data}. */
    public void read(GuestMemory memory, long offset, byte[] data, int from, int length) {
        if (offset < 0 || offset + length > readableBytes()) {
            throw new VirtqueueException(String.format("descriptor chain %d: reading %d bytes at %d exceeds its %d readable bytes",
                    head, length, offset, readableBytes()));
        }
        long skip = offset;
        int copied = 0;
        for (Buffer buffer : readable) {
            if (copied == length) {
                break;
            }
            if (skip >= buffer.length()) {
                skip -= buffer.length();
                continue;
            }
            int chunk = (int) Math.min(buffer.length() - skip, length - copied);
            memory.read(buffer.address().plus(skip), data, from + copied, chunk);
            copied += chunk;
            skip = 0;
        }
    }

    /**
     * Writes {@code data} across the writable buffers from {@code offset} bytes into them and
     * returns the bytes written; more than they hold is the device's bug, refused.
     */
    public int write(GuestMemory memory, long offset, byte[] data, int from, int length) {
        if (offset < 0 || offset + length > writableBytes()) {
            throw new VirtqueueException(String.format("descriptor chain %d: writing %d bytes at %d exceeds its %d writable bytes",
                    head, length, offset, writableBytes()));
        }
        long skip = offset;
        int written = 0;
        for (Buffer buffer : writable) {
            if (written == length) {
                break;
            }
            if (skip >= buffer.length()) {
                skip -= buffer.length();
                continue;
            }
            int chunk = (int) Math.min(buffer.length() - skip, length - written);
            memory.write(buffer.address().plus(skip), data, from + written, chunk);
            written += chunk;
            skip = 0;
        }
        return written;
    }
}
