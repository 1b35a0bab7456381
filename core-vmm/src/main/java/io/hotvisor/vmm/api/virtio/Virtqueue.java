package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A split virtqueue (virtio 1.2 §2.7), the device's side: the transport sets its size and ring
 * addresses as the driver programs them, then the device pops descriptor chains, returns them
 * used and asks whether the driver wants an interrupt. Indirect descriptors and
 * {@code VIRTIO_F_EVENT_IDX} are supported. Everything read from the rings is checked, and a
 * violation throws {@link VirtqueueException} without touching guest memory: the transport
 * then marks the device as needing a reset. Used by one thread at a time (the device's).
 */
public final class Virtqueue {
    public static final int MAX_SIZE = 32768;
    static final int DESCRIPTOR_SIZE = 16;
    static final int FLAG_NEXT = 1;
    static final int FLAG_WRITE = 2;
    static final int FLAG_INDIRECT = 4;
    /** Avail ring flag: the driver wants no interrupts (without EVENT_IDX). */
    static final int AVAIL_NO_INTERRUPT = 1;
    private static final int RING_HEADER = 4;
    private static final int USED_ELEMENT_SIZE = 8;

    private final int maxSize;
    private int size;
    private boolean ready;
    private GuestAddress descriptors = GuestAddress.of(0);
    private GuestAddress driverArea = GuestAddress.of(0);
    private GuestAddress deviceArea = GuestAddress.of(0);
    private boolean eventIndex;
    private boolean indirectDescriptors;
    private short nextAvail;
    private short nextUsed;
    /** The used index when the driver was last interrupted (EVENT_IDX). */
    private short signalledUsed;

    public Virtqueue(int maxSize) {
        if (Integer.bitCount(maxSize) != 1 || maxSize > MAX_SIZE) {
            throw new IllegalArgumentException("queue size " + maxSize + " must be a power of two up to " + MAX_SIZE);
        }
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    public int maxSize() {
        return maxSize;
    }

    public int size() {
        return size;
    }

    /** The driver picks a smaller size; the split ring wants a power of two (0 disables the queue). */
    public void size(int size) {
        this.size = size;
    }

    public GuestAddress descriptors() {
        return descriptors;
    }

    public void descriptors(GuestAddress address) {
        descriptors = address;
    }

    public GuestAddress driverArea() {
        return driverArea;
    }

    public void driverArea(GuestAddress address) {
        driverArea = address;
    }

    public GuestAddress deviceArea() {
        return deviceArea;
    }

    public void deviceArea(GuestAddress address) {
        deviceArea = address;
    }

    public boolean ready() {
        return ready;
    }

    /**
     * The driver enabled the queue with the features it accepted: check that its size and
     * three areas are sane and in RAM now, so that later accesses need no more than the index
     * checks.
     */
    public void activate(GuestMemory memory, boolean eventIndex, boolean indirectDescriptors) {
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new VirtqueueException("queue size " + size + " is not a power of two from 1 to " + maxSize);
        }
        check(memory, "descriptor table", descriptors, (long) size * DESCRIPTOR_SIZE, DESCRIPTOR_SIZE);
        check(memory, "driver area", driverArea, RING_HEADER + 2L * size + 2, 2);
        check(memory, "device area", deviceArea, RING_HEADER + (long) USED_ELEMENT_SIZE * size + 2, 4);
        this.eventIndex = eventIndex;
        this.indirectDescriptors = indirectDescriptors;
        // Both indexes start at 0 after a reset (§2.7.13): the device does not take them from the driver.
        nextAvail = 0;
        nextUsed = 0;
        signalledUsed = 0;
        ready = true;
    }

    private static void check(GuestMemory memory, String what, GuestAddress address, long length, int alignment) {
        if (address.value() % alignment != 0 || !memory.contains(address, length)) {
            throw new VirtqueueException(String.format("%s at %s (%d bytes, %d-byte aligned) is not in guest RAM or misaligned",
                    what, address, length, alignment));
        }
    }

    /** Back to the state after a device reset: disabled, full size, no areas. */
    public void reset() {
        ready = false;
        size = maxSize;
        descriptors = GuestAddress.of(0);
        driverArea = GuestAddress.of(0);
        deviceArea = GuestAddress.of(0);
        nextAvail = 0;
        nextUsed = 0;
        signalledUsed = 0;
    }

    /** Whether the driver has made a chain available that {@link #pop} has not taken yet. */
    public boolean hasAvailable(GuestMemory memory) {
        return ready && memory.readShort(driverArea.plus(2)) != nextAvail;
    }

    /** The next chain the driver made available, or null when there is none. */
    public DescriptorChain pop(GuestMemory memory) {
        if (!ready) {
            return null;
        }
        if (eventIndex) {
            // Our avail_event store must be visible before we read the index (the driver reads
            // avail_event after writing the index): else a kick can be lost (vhost's smp_mb here).
            VarHandle.fullFence();
        }
        short availIndex = memory.readShort(driverArea.plus(2));
        int waiting = Short.toUnsignedInt((short) (availIndex - nextAvail));
        if (waiting == 0) {
            return null;
        }
        if (waiting > size) {
            throw new VirtqueueException("the driver claims " + waiting + " new buffers in a queue of " + size);
        }
        // The ring entries are read after the index (loads are not reordered with loads on x86).
        int head = Short.toUnsignedInt(memory.readShort(
                driverArea.plus(RING_HEADER + 2L * (Short.toUnsignedInt(nextAvail) % size))));
        DescriptorChain chain = walk(memory, head);
        nextAvail++;
        if (eventIndex) {
            // Ask for a notification as soon as the driver adds anything beyond what we took.
            memory.writeShort(deviceArea.plus(RING_HEADER + (long) USED_ELEMENT_SIZE * size), nextAvail);
        }
        return chain;
    }

    private DescriptorChain walk(GuestMemory memory, int head) {
        if (head >= size) {
            throw new VirtqueueException("head descriptor " + head + " is outside the queue of " + size);
        }
        List<DescriptorChain.Buffer> readable = new ArrayList<>();
        List<DescriptorChain.Buffer> writable = new ArrayList<>();
        GuestAddress table = descriptors;
        int tableSize = size;
        int index = head;
        boolean inIndirect = false;
        long total = 0;
        for (int seen = 0; ; seen++) {
            if (seen >= tableSize) {
                throw new VirtqueueException("descriptor chain " + head + " loops or is longer than its table ("
                        + tableSize + ")");
            }
            GuestAddress at = table.plus((long) index * DESCRIPTOR_SIZE);
            long address = memory.readLong(at);
            long length = Integer.toUnsignedLong(memory.readInt(at.plus(8)));
            int flags = Short.toUnsignedInt(memory.readShort(at.plus(12)));
            int next = Short.toUnsignedInt(memory.readShort(at.plus(14)));
            if ((flags & FLAG_INDIRECT) != 0) {
                if (!indirectDescriptors || inIndirect || (flags & FLAG_NEXT) != 0) {
                    throw new VirtqueueException("descriptor chain " + head + ": an indirect descriptor must end the chain,"
                            + " not nested, and negotiated");
                }
                if (length == 0 || length % DESCRIPTOR_SIZE != 0 || length / DESCRIPTOR_SIZE > MAX_SIZE
                        || !memory.contains(GuestAddress.of(address), length)) {
                    throw new VirtqueueException(String.format("descriptor chain %d: indirect table at 0x%x (%d bytes) is"
                            + " empty, not a whole number of descriptors, too long or not in guest RAM", head, address, length));
                }
                table = GuestAddress.of(address);
                tableSize = (int) (length / DESCRIPTOR_SIZE);
                index = 0;
                inIndirect = true;
                seen = -1;
                continue;
            }
            total += length;
            if (length > Integer.MAX_VALUE || total > 0xFFFF_FFFFL) {
                throw new VirtqueueException("descriptor chain " + head + " is too long: a buffer of " + length
                        + " bytes (at most 2 GiB each, 4 GiB in all)");
            }
            GuestAddress buffer = GuestAddress.of(address);
            if (!memory.contains(buffer, length)) {
                throw new VirtqueueException(String.format("descriptor chain %d: buffer 0x%x+%d is not in guest RAM",
                        head, address, length));
            }
            if ((flags & FLAG_WRITE) != 0) {
                writable.add(new DescriptorChain.Buffer(buffer, (int) length));
            } else if (!writable.isEmpty()) {
                throw new VirtqueueException("descriptor chain " + head + ": a device-readable buffer follows a writable one");
            } else {
                readable.add(new DescriptorChain.Buffer(buffer, (int) length));
            }
            if ((flags & FLAG_NEXT) == 0) {
                return new DescriptorChain(head, readable, writable);
            }
            if (next >= tableSize) {
                throw new VirtqueueException("descriptor chain " + head + ": next descriptor " + next
                        + " is outside its table (" + tableSize + ")");
            }
            index = next;
        }
    }

    /** Hands a chain back to the driver with the number of bytes the device wrote into it. */
    public void addUsed(GuestMemory memory, DescriptorChain chain, int written) {
        if (written < 0 || written > chain.writableBytes()) {
            throw new VirtqueueException("descriptor chain " + chain.head() + ": " + written + " bytes used of "
                    + chain.writableBytes() + " writable");
        }
        GuestAddress element = deviceArea.plus(RING_HEADER + (long) USED_ELEMENT_SIZE * (Short.toUnsignedInt(nextUsed) % size));
        memory.writeInt(element, chain.head());
        memory.writeInt(element.plus(4), written);
        nextUsed++;
        // The element must be visible before the index that publishes it (x86 keeps stores in order).
        memory.writeShort(deviceArea.plus(2), nextUsed);
    }

    /** Whether the driver wants an interrupt for what was added since the last one. */
    public boolean needsInterrupt(GuestMemory memory) {
        // Our used index store must be visible before we read the driver's wish (store-load order).
        VarHandle.fullFence();
        if (!eventIndex) {
            return (memory.readShort(driverArea) & AVAIL_NO_INTERRUPT) == 0;
        }
        short usedEvent = memory.readShort(driverArea.plus(RING_HEADER + 2L * size));
        short old = signalledUsed;
        signalledUsed = nextUsed;
        // vring_need_event: the driver's event index lies in (old, new].
        return Short.toUnsignedInt((short) (nextUsed - usedEvent - 1)) < Short.toUnsignedInt((short) (nextUsed - old));
    }
}
