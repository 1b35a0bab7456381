package io.hotvisor.virtio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.Pollable;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import io.hotvisor.vmm.testing.HeapGuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest's side of a device's split queues for device tests: buffers in guest memory, chains
 * made available, used entries read back. Also the {@link VirtioQueues} the device is activated
 * with (tasks run at once; interrupts, failures and the watched source are recorded).
 */
final class QueueDriver implements VirtioQueues {
    /** Each queue's descriptor table, avail and used rings sit in a 64 KiB area of their own. */
    private static final long QUEUE_AREA = 0x10000;
    private static final long DATA = 0x100000;

    final HeapGuestMemory memory = new HeapGuestMemory(0x400000);
    final List<String> interrupts = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    /** The handler of the source the device watches now, or null. */
    Runnable readable;
    private final int size;
    private final List<Ring> rings = new ArrayList<>();
    private long nextData = DATA;
    private long features;

    /** One queue and the driver's indexes into it. */
    private final class Ring {
        final Virtqueue queue;
        final GuestAddress descriptors;
        final GuestAddress avail;
        final GuestAddress used;
        short availIndex;
        short usedSeen;
        int nextDescriptor;

        Ring(int index) {
            descriptors = GuestAddress.of(QUEUE_AREA * (index + 1));
            avail = descriptors.plus(0x4000);
            used = descriptors.plus(0x8000);
            queue = new Virtqueue(size);
            queue.descriptors(descriptors);
            queue.driverArea(avail);
            queue.deviceArea(used);
            queue.activate(memory, false, false);
        }
    }

    QueueDriver(int size) {
        this(size, 1);
    }

    QueueDriver(int size, int queues) {
        this.size = size;
        for (int index = 0; index < queues; index++) {
            rings.add(new Ring(index));
        }
    }

    QueueDriver features(long negotiated) {
        features = negotiated;
        return this;
    }

    /** A buffer of {@code length} bytes holding {@code content} (zeros after it). */
    long buffer(byte[] content, int length) {
        long at = nextData;
        nextData += (length + 15) & ~15;
        memory.write(GuestAddress.of(at), content, 0, Math.min(content.length, length));
        return at;
    }

    /** Makes a chain of buffers available on queue 0: each {address, length, writable}. */
    int submit(long[]... buffers) {
        return submitTo(0, buffers);
    }

    int submitTo(int queue, long[]... buffers) {
        Ring ring = rings.get(queue);
        int head = ring.nextDescriptor % size;
        for (int i = 0; i < buffers.length; i++) {
            int index = ring.nextDescriptor++ % size;
            GuestAddress at = ring.descriptors.plus(16L * index);
            memory.writeLong(at, buffers[i][0]);
            memory.writeInt(at.plus(8), (int) buffers[i][1]);
            int flags = (buffers[i][2] != 0 ? 2 : 0) | (i + 1 < buffers.length ? 1 : 0);
            memory.writeShort(at.plus(12), (short) flags);
            memory.writeShort(at.plus(14), (short) (ring.nextDescriptor % size));
        }
        memory.writeShort(ring.avail.plus(4 + 2L * (ring.availIndex % size)), (short) head);
        ring.availIndex++;
        memory.writeShort(ring.avail.plus(2), ring.availIndex);
        return head;
    }

    /** The used entries of queue 0 since the last call: {head, length} each. */
    List<int[]> used() {
        return usedOf(0);
    }

    List<int[]> usedOf(int queue) {
        Ring ring = rings.get(queue);
        List<int[]> entries = new ArrayList<>();
        short index = memory.readShort(ring.used.plus(2));
        while (ring.usedSeen != index) {
            GuestAddress element = ring.used.plus(4 + 8L * (ring.usedSeen % size));
            entries.add(new int[] {memory.readInt(element), memory.readInt(element.plus(4))});
            ring.usedSeen++;
        }
        return entries;
    }

    byte[] read(long address, int length) {
        byte[] data = new byte[length];
        memory.read(GuestAddress.of(address), data, 0, length);
        return data;
    }

    @Override
    public Virtqueue queue(int index) {
        return rings.get(index).queue;
    }

    @Override
    public HeapGuestMemory memory() {
        return memory;
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public void usedBuffers(int index) {
        interrupts.add("queue " + index);
    }

    @Override
    public void configChanged() {
        interrupts.add("config");
    }

    @Override
    public void fail(VirtqueueException error) {
        failures.add(error.getMessage());
    }

    @Override
    public IoLoop ioLoop() {
        return new IoLoop() {
            @Override
            public Registration watch(EventNotifier notifier, Runnable handler) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Registration watchReadable(Pollable source, Runnable handler) {
                readable = handler;
                return () -> readable = null;
            }

            @Override
            public void execute(Runnable task) {
                task.run();
            }
        };
    }
}
