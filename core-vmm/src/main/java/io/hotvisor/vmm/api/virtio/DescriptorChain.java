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

    /** Every readable byte, in order. */
    public byte[] read(GuestMemory memory) {
        long total = readableBytes();
        if (total > Integer.MAX_VALUE - 8) {
            throw new VirtqueueException("descriptor chain " + head + ": " + total + " readable bytes is too much to copy");
        }
        byte[] data = new byte[(int) total];
        int at = 0;
        for (Buffer buffer : readable) {
            memory.read(buffer.address(), data, at, buffer.length());
            at += buffer.length();
        }
        return data;
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
