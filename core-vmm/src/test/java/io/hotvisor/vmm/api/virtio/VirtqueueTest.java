package io.hotvisor.vmm.api.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.testing.HeapGuestMemory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The device side of a split ring, with a driver written here: good chains and every kind of bad one. */
class VirtqueueTest {
    private static final int SIZE = 8;
    private static final GuestAddress DESCRIPTORS = GuestAddress.of(0x1000);
    private static final GuestAddress AVAIL = GuestAddress.of(0x2000);
    private static final GuestAddress USED = GuestAddress.of(0x3000);
    private static final GuestAddress INDIRECT = GuestAddress.of(0x4000);
    private static final long DATA = 0x10000;
    private static final int RAM = 0x20000;

    private final HeapGuestMemory memory = new HeapGuestMemory(RAM);
    private final Virtqueue queue = new Virtqueue(SIZE);
    private short availIndex;

    @BeforeEach
    void program() {
        queue.descriptors(DESCRIPTORS);
        queue.driverArea(AVAIL);
        queue.deviceArea(USED);
    }

    private void descriptor(GuestAddress table, int index, long address, long length, int flags, int next) {
        GuestAddress at = table.plus(16L * index);
        memory.writeLong(at, address);
        memory.writeInt(at.plus(8), (int) length);
        memory.writeShort(at.plus(12), (short) flags);
        memory.writeShort(at.plus(14), (short) next);
    }

    private void makeAvailable(int head) {
        memory.writeShort(AVAIL.plus(4 + 2L * (availIndex % SIZE)), (short) head);
        availIndex++;
        memory.writeShort(AVAIL.plus(2), availIndex);
    }

    @Test
    void aChainOfReadableThenWritableBuffersRoundTrips() {
        queue.activate(memory, false, false);
        memory.write(GuestAddress.of(DATA), "request".getBytes(StandardCharsets.US_ASCII));
        descriptor(DESCRIPTORS, 0, DATA, 7, Virtqueue.FLAG_NEXT, 3);
        descriptor(DESCRIPTORS, 3, DATA + 0x100, 4, Virtqueue.FLAG_WRITE | Virtqueue.FLAG_NEXT, 5);
        descriptor(DESCRIPTORS, 5, DATA + 0x200, 4, Virtqueue.FLAG_WRITE, 0);
        makeAvailable(0);

        DescriptorChain chain = queue.pop(memory);
        assertThat(new String(chain.read(memory), StandardCharsets.US_ASCII)).isEqualTo("request");
        assertThat(chain.write(memory, 2, "answer".getBytes(StandardCharsets.US_ASCII), 0, 6)).isEqualTo(6);
        queue.addUsed(memory, chain, 8);

        byte[] first = new byte[4];
        memory.read(GuestAddress.of(DATA + 0x100), first, 0, 4);
        byte[] second = new byte[4];
        memory.read(GuestAddress.of(DATA + 0x200), second, 0, 4);
        assertThat(new String(first, StandardCharsets.US_ASCII).substring(2) + new String(second, StandardCharsets.US_ASCII))
                .isEqualTo("answer");
        assertThat(memory.readShort(USED.plus(2))).isEqualTo((short) 1);
        assertThat(memory.readInt(USED.plus(4))).isZero();
        assertThat(memory.readInt(USED.plus(8))).isEqualTo(8);
        assertThat(queue.pop(memory)).isNull();
        assertThat(queue.needsInterrupt(memory)).isTrue();
    }

    @Test
    void indirectTablesAreFollowedWhenNegotiated() {
        queue.activate(memory, false, true);
        descriptor(INDIRECT, 0, DATA, 16, Virtqueue.FLAG_NEXT, 1);
        descriptor(INDIRECT, 1, DATA + 0x100, 32, Virtqueue.FLAG_WRITE, 0);
        descriptor(DESCRIPTORS, 2, INDIRECT.value(), 32, Virtqueue.FLAG_INDIRECT, 0);
        makeAvailable(2);

        DescriptorChain chain = queue.pop(memory);

        assertThat(chain.head()).isEqualTo(2);
        assertThat(chain.readableBytes()).isEqualTo(16);
        assertThat(chain.writableBytes()).isEqualTo(32);
    }

    @Test
    void eventIndexSuppressesInterruptsTheDriverDidNotAskFor() {
        queue.activate(memory, true, false);
        for (int i = 0; i < 3; i++) {
            descriptor(DESCRIPTORS, i, DATA, 8, Virtqueue.FLAG_WRITE, 0);
            makeAvailable(i);
        }
        memory.writeShort(AVAIL.plus(4 + 2L * SIZE), (short) 1); // interrupt me when used passes index 1

        queue.addUsed(memory, queue.pop(memory), 0);
        assertThat(queue.needsInterrupt(memory)).as("used idx 1 has not passed 1").isFalse();
        queue.addUsed(memory, queue.pop(memory), 0);
        assertThat(queue.needsInterrupt(memory)).isTrue();
        assertThat(memory.readShort(USED.plus(4 + 8L * SIZE))).as("avail_event").isEqualTo((short) 2);
    }

    @Test
    void noInterruptFlagIsHonouredWithoutEventIndex() {
        queue.activate(memory, false, false);
        memory.writeShort(AVAIL, (short) Virtqueue.AVAIL_NO_INTERRUPT);

        assertThat(queue.needsInterrupt(memory)).isFalse();
    }

    @Test
    void aQueueOutsideRamOrOfABadSizeIsRefusedWhenEnabled() {
        queue.deviceArea(GuestAddress.of(RAM - 8));
        assertThatThrownBy(() -> queue.activate(memory, false, false)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("device area");
        queue.deviceArea(USED);
        queue.size(6);
        assertThatThrownBy(() -> queue.activate(memory, false, false)).hasMessageContaining("queue size 6");
        assertThat(queue.ready()).isFalse();
    }

    @Test
    void aBufferOutsideRamIsRefused() {
        expectRefusal("not in guest RAM", () -> descriptor(DESCRIPTORS, 0, RAM - 4, 8, 0, 0));
    }

    @Test
    void anOversizeLengthIsRefused() {
        expectRefusal("too long", () -> descriptor(DESCRIPTORS, 0, DATA, 0xFFFF_FFF0L, 0, 0));
    }

    @Test
    void aLoopIsRefused() {
        expectRefusal("loops", () -> {
            descriptor(DESCRIPTORS, 0, DATA, 8, Virtqueue.FLAG_NEXT, 1);
            descriptor(DESCRIPTORS, 1, DATA, 8, Virtqueue.FLAG_NEXT, 0);
        });
    }

    @Test
    void aNextIndexOutsideTheTableIsRefused() {
        expectRefusal("next descriptor 9", () -> descriptor(DESCRIPTORS, 0, DATA, 8, Virtqueue.FLAG_NEXT, 9));
    }

    @Test
    void aHeadOutsideTheQueueIsRefused() {
        queue.activate(memory, false, false);
        makeAvailable(SIZE);
        assertThatThrownBy(() -> queue.pop(memory)).hasMessageContaining("head descriptor 8");
    }

    @Test
    void moreNewBuffersThanTheQueueHoldsIsRefused() {
        queue.activate(memory, false, false);
        memory.writeShort(AVAIL.plus(2), (short) (SIZE + 1));
        assertThatThrownBy(() -> queue.pop(memory)).hasMessageContaining("claims 9 new buffers");
    }

    @Test
    void aReadableBufferAfterAWritableOneIsRefused() {
        expectRefusal("follows a writable", () -> {
            descriptor(DESCRIPTORS, 0, DATA, 8, Virtqueue.FLAG_WRITE | Virtqueue.FLAG_NEXT, 1);
            descriptor(DESCRIPTORS, 1, DATA, 8, 0, 0);
        });
    }

    @Test
    void nestedOrUnnegotiatedIndirectTablesAreRefused() {
        expectRefusal("indirect descriptor", () -> descriptor(DESCRIPTORS, 0, INDIRECT.value(), 16, Virtqueue.FLAG_INDIRECT, 0));
    }

    @Test
    void aLoopInsideAnIndirectTableIsRefused() {
        queue.activate(memory, false, true);
        descriptor(INDIRECT, 0, DATA, 8, Virtqueue.FLAG_NEXT, 1);
        descriptor(INDIRECT, 1, DATA, 8, Virtqueue.FLAG_NEXT, 0);
        descriptor(DESCRIPTORS, 0, INDIRECT.value(), 32, Virtqueue.FLAG_INDIRECT, 0);
        makeAvailable(0);
        assertThatThrownBy(() -> queue.pop(memory)).isInstanceOf(VirtqueueException.class).hasMessageContaining("loops");
    }

    @Test
    void aDeviceWritingMoreThanTheWritableBuffersHoldIsRefused() {
        queue.activate(memory, false, false);
        descriptor(DESCRIPTORS, 0, DATA, 8, 0, 0);
        makeAvailable(0);
        DescriptorChain readOnly = queue.pop(memory);

        assertThatThrownBy(() -> readOnly.write(memory, 0, new byte[1], 0, 1)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("exceeds its 0 writable bytes");
        assertThatThrownBy(() -> queue.addUsed(memory, readOnly, 1)).hasMessageContaining("1 bytes used of 0 writable");
    }

    /** The chain is refused, nothing is written to the used ring, and the queue's state is unchanged. */
    private void expectRefusal(String message, Runnable badChain) {
        queue.activate(memory, false, false);
        badChain.run();
        makeAvailable(0);

        assertThatThrownBy(() -> queue.pop(memory)).isInstanceOf(VirtqueueException.class).hasMessageContaining(message);
        assertThat(memory.readShort(USED.plus(2))).isZero();
    }
}
