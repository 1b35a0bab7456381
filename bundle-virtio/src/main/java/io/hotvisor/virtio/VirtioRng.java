package io.hotvisor.virtio;

import io.hotvisor.vmm.api.virtio.DescriptorChain;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The entropy device (virtio 1.2 §5.4): one queue whose writable buffers it fills from a host
 * source, at most {@code maxBytes} per {@code periodMillis} as QEMU's {@code max-bytes} and
 * {@code period} say; past the budget, requests wait for the next period.
 */
final class VirtioRng implements VirtioDevice {
    static final int TYPE = 4;
    static final int QUEUE_SIZE = 64;
    /** Bytes per request at most: a driver asking for more gets a short answer, as the spec allows. */
    static final int MAX_CHUNK = 64 * 1024;

    private final ReadableByteChannel source;
    private final long maxBytes;
    private final long periodNanos;
    private final ScheduledExecutorService timer;
    private final LongSupplier clock;
    private VirtioQueues queues;
    private long periodStart;
    private long budget;
    private boolean refillScheduled;

    VirtioRng(ReadableByteChannel source, long maxBytes, long periodMillis, ScheduledExecutorService timer,
              LongSupplier clock) {
        this.source = source;
        this.maxBytes = maxBytes;
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMillis);
        this.timer = timer;
        this.clock = clock;
    }

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public int pciClass() {
        return 0x00ff00;
    }

    @Override
    public long features() {
        return 0;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public void readConfig(int offset, byte[] data) {
    }

    @Override
    public void activate(VirtioQueues activated) {
        queues = activated;
        periodStart = clock.getAsLong();
        budget = maxBytes;
        refillScheduled = false;
    }

    @Override
    public void queueNotified(int index) {
        fill();
    }

    private void fill() {
        if (queues == null) {
            return;
        }
        Virtqueue queue = queues.queue(0);
        long now = clock.getAsLong();
        if (now - periodStart >= periodNanos) {
            periodStart = now;
            budget = maxBytes;
        }
        boolean answered = false;
        while (budget > 0) {
            DescriptorChain chain = queue.pop(queues.memory());
            if (chain == null) {
                break;
            }
            int length = (int) Math.min(Math.min(chain.writableBytes(), MAX_CHUNK), budget);
            byte[] bytes = read(length);
            chain.write(queues.memory(), 0, bytes, 0, bytes.length);
            queue.addUsed(queues.memory(), chain, bytes.length);
            budget -= bytes.length;
            answered = true;
        }
        if (answered) {
            queues.usedBuffers(0);
        }
        if (budget <= 0 && !refillScheduled) {
            // Whatever waits in the queue is served when the next period starts.
            refillScheduled = true;
            VirtioQueues current = queues;
            timer.schedule(() -> current.ioLoop().execute(() -> {
                refillScheduled = false;
                fill();
            }), periodNanos - (now - periodStart), TimeUnit.NANOSECONDS);
        }
    }

    private byte[] read(int length) {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try {
            while (buffer.hasRemaining()) {
                if (source.read(buffer) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("virtio-rng: reading the entropy source failed", e);
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }

    @Override
    public void reset() {
        queues = null;
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
