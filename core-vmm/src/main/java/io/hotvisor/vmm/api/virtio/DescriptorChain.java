package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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
        segments(readable, readableBytes(), "reading", offset, length,
                (address, at, chunk) -> memory.read(address, data, from + at, chunk));
    }

    /**
     * Writes {@code data} across the writable buffers from {@code offset} bytes into them and
     * returns the bytes written; more than they hold is the device's bug, refused.
     */
    public int write(GuestMemory memory, long offset, byte[] data, int from, int length) {
        segments(writable, writableBytes(), "writing", offset, length,
                (address, at, chunk) -> memory.write(address, data, from + at, chunk));
        return length;
    }

    /** Views of readable bytes {@code [offset, offset + length)}, for I/O straight out of guest memory. */
    public List<ByteBuffer> readableViews(GuestMemory memory, long offset, int length) {
        List<ByteBuffer> views = new ArrayList<>();
        segments(readable, readableBytes(), "reading", offset, length,
                (address, at, chunk) -> views.add(memory.buffer(address, chunk)));
        return views;
    }

    /** Views of writable bytes {@code [offset, offset + length)}, for I/O straight into guest memory. */
    public List<ByteBuffer> writableViews(GuestMemory memory, long offset, int length) {
        List<ByteBuffer> views = new ArrayList<>();
        segments(writable, writableBytes(), "writing", offset, length,
                (address, at, chunk) -> views.add(memory.buffer(address, chunk)));
        return views;
    }

    /** One piece of a range: where it is in guest memory, where it starts in the range, how long. */
    private interface Segment {
        void accept(GuestAddress address, int at, int length);
    }

    /** Walks the buffers that hold bytes {@code [offset, offset + length)} of one direction, refusing more than there is. */
    private void segments(List<Buffer> buffers, long total, String what, long offset, int length, Segment segment) {
        if (offset < 0 || length < 0 || offset + length > total) {
            throw new VirtqueueException(String.format("descriptor chain %d: %s %d bytes at %d exceeds its %d %s bytes",
                    head, what, length, offset, total, buffers == readable ? "readable" : "writable"));
        }
        long skip = offset;
        int done = 0;
        for (Buffer buffer : buffers) {
            if (done == length) {
                break;
            }
            if (skip >= buffer.length()) {
                skip -= buffer.length();
                continue;
            }
            int chunk = (int) Math.min(buffer.length() - skip, length - done);
            segment.accept(buffer.address().plus(skip), done, chunk);
            done += chunk;
            skip = 0;
        }
    }
}
