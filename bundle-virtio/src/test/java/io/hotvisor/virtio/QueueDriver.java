package io.hotvisor.virtio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import io.hotvisor.vmm.testing.HeapGuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest's side of one split queue for device tests: buffers in guest memory, chains made
 * available, used entries read back. Also the {@link VirtioQueues} the device is activated with
 * (tasks run at once; interrupts and failures are recorded).
 */
final class QueueDriver implements VirtioQueues {
    static final GuestAddress DESCRIPTORS = GuestAddress.of(0x1000);
    static final GuestAddress AVAIL = GuestAddress.of(0x3000);
    static final GuestAddress USED = GuestAddress.of(0x4000);
    static final long DATA = 0x10000;

    final HeapGuestMemory memory = new HeapGuestMemory(0x200000);
    final Virtqueue queue;
    final List<String> interrupts = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    private final int size;
    private short availIndex;
    private short usedSeen;
    private int nextDescriptor;
    private long nextData = DATA;

    QueueDriver(int size) {
        this.size = size;
        queue = new Virtqueue(size);
        queue.descriptors(DESCRIPTORS);
        queue.driverArea(AVAIL);
        queue.deviceArea(USED);
        queue.activate(memory, false, false);
    }

    /** A buffer of {@code length} bytes holding {@code content} (zeros after it). */
    long buffer(byte[] content, int length) {
        long at = nextData;
        nextData += (length + 15) & ~15;
        memory.write(GuestAddress.of(at), content, 0, Math.min(content.length, length));
        return at;
    }

    /** Makes a chain of buffers available: each {address, length, writable}. */
    int submit(long[]... buffers) {
        int head = nextDescriptor;
        for (int i = 0; i < buffers.length; i++) {
            int index = nextDescriptor++ % size;
            GuestAddress at = DESCRIPTORS.plus(16L * index);
            memory.writeLong(at, buffers[i][0]);
            memory.writeInt(at.plus(8), (int) buffers[i][1]);
            int flags = (buffers[i][2] != 0 ? 2 : 0) | (i + 1 < buffers.length ? 1 : 0);
            memory.writeShort(at.plus(12), (short) flags);
            memory.writeShort(at.plus(14), (short) (nextDescriptor % size));
        }
        memory.writeShort(AVAIL.plus(4 + 2L * (availIndex % size)), (short) (head % size));
        availIndex++;
        memory.writeShort(AVAIL.plus(2), availIndex);
        return head % size;
    }

    /** The used entries since the last call: {head, length} each. */
    List<int[]> used() {
        List<int[]> entries = new ArrayList<>();
        short index = memory.readShort(USED.plus(2));
        while (usedSeen != index) {
            GuestAddress element = USED.plus(4 + 8L * (usedSeen % size));
            entries.add(new int[] {memory.readInt(element), memory.readInt(element.plus(4))});
            usedSeen++;
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
        return queue;
    }

    @Override
    public HeapGuestMemory memory() {
        return memory;
    }

    @Override
    public long features() {
        return 0;
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
            public void execute(Runnable task) {
                task.run();
            }
        };
    }
}
