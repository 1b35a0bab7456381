package io.hotvisor.virtio;

import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.net.Tap;
import io.hotvisor.vmm.api.virtio.DescriptorChain;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The network device (virtio 1.2 §5.1) on a host TAP: queue 0 receives, queue 1 transmits, and
 * frames keep their 12-byte virtio-net header on both sides, so the TAP sees exactly what the
 * guest's driver wrote. Receive buffers may be merged (a frame over several chains). While the
 * guest has no receive buffer, the TAP is not read: the host queues or drops, not us.
 */
final class VirtioNet implements VirtioDevice {
    static final int TYPE = 1;
    static final int RX = 0;
    static final int TX = 1;
    static final int QUEUE_SIZE = 256;
    /** struct virtio_net_hdr_v1: with VERSION_1 it always has num_buffers. */
    static final int HEADER = 12;
    static final int NUM_BUFFERS = 10;
    /** The largest frame a TAP hands over without segmentation offloads, header included. */
    static final int MAX_FRAME = HEADER + 65535;
    static final long F_MAC = 1L << 5;
    static final long F_MRG_RXBUF = 1L << 15;
    static final long F_STATUS = 1L << 16;
    static final int STATUS_LINK_UP = 1;
    static final int CONFIG_SIZE = 8;

    private final Tap tap;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_FRAME);
    private final ByteBuffer transmitBuffer = ByteBuffer.allocateDirect(MAX_FRAME);
    private VirtioQueues queues;
    private Registration tapWatch;

    VirtioNet(Tap tap, byte[] mac) {
        this.tap = tap;
        System.arraycopy(mac, 0, config, 0, 6);
        config[6] = STATUS_LINK_UP;
    }

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public int pciClass() {
        return 0x020000;
    }

    @Override
    public long features() {
        return F_MAC | F_MRG_RXBUF | F_STATUS;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_SIZE, QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, byte[] data) {
        System.arraycopy(config, offset, data, 0, data.length);
    }

    @Override
    public void activate(VirtioQueues activated) {
        queues = activated;
        watchTap();
    }

    @Override
    public void queueNotified(int index) {
        if (index == TX) {
            transmit();
        } else if (tapWatch == null) {
            watchTap(); // the guest gave receive buffers again
        }
    }

    private void watchTap() {
        tapWatch = queues.ioLoop().watchReadable(tap, this::receive);
    }

    private void receive() {
        Virtqueue queue = queues.queue(RX);
        GuestMemory memory = queues.memory();
        boolean answered = false;
        while (true) {
            if (!queue.hasAvailable(memory)) {
                tapWatch.close();
                tapWatch = null;
                break;
            }
            receiveBuffer.clear();
            int length = tap.read(receiveBuffer);
            if (length == 0) {
                break;
            }
            byte[] frame = new byte[length];
            receiveBuffer.flip().get(frame);
            deliver(queue, memory, frame);
            answered = true;
        }
        if (answered) {
            queues.usedBuffers(RX);
        }
    }

    /** One frame into one chain, or several when receive buffers are merged; too little room truncates it. */
    private void deliver(Virtqueue queue, GuestMemory memory, byte[] frame) {
        boolean mergeable = (queues.features() & F_MRG_RXBUF) != 0;
        List<DescriptorChain> chains = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        int offset = 0;
        while (offset < frame.length) {
            DescriptorChain chain = queue.pop(memory);
            if (chain == null) {
                break; // out of buffers mid-frame: the guest gets it truncated and drops it
            }
            if (chains.isEmpty() && chain.writableBytes() < HEADER) {
                throw new VirtqueueException("virtio-net receive buffer " + chain.head() + " cannot hold the "
                        + HEADER + "-byte header");
            }
            int length = (int) Math.min(chain.writableBytes(), frame.length - offset);
            chain.write(memory, 0, frame, offset, length);
            chains.add(chain);
            lengths.add(length);
            offset += length;
            if (!mergeable) {
                break;
            }
        }
        if (chains.isEmpty()) {
            return;
        }
        chains.get(0).write(memory, NUM_BUFFERS, new byte[] {(byte) chains.size(), (byte) (chains.size() >> 8)}, 0, 2);
        for (int i = 0; i < chains.size(); i++) {
            queue.addUsed(memory, chains.get(i), lengths.get(i));
        }
    }

    private void transmit() {
        Virtqueue queue = queues.queue(TX);
        GuestMemory memory = queues.memory();
        boolean answered = false;
        for (DescriptorChain chain = queue.pop(memory); chain != null; chain = queue.pop(memory)) {
            if (chain.readableBytes() < HEADER) {
                throw new VirtqueueException("virtio-net transmit request " + chain.head() + " is shorter than its "
                        + HEADER + "-byte header");
            }
            if (chain.readableBytes() <= MAX_FRAME) {
                byte[] frame = chain.read(memory);
                // No checksum or segmentation offload was offered: the host kernel gets a plain header,
                // not whatever flags and GSO fields the guest wrote.
                Arrays.fill(frame, 0, NUM_BUFFERS, (byte) 0);
                transmitBuffer.clear();
                transmitBuffer.put(frame).flip();
                tap.write(transmitBuffer); // false: the host's queue is full and dropped it, as a wire would
            }
            queue.addUsed(memory, chain, 0);
            answered = true;
        }
        if (answered) {
            queues.usedBuffers(TX);
        }
    }

    @Override
    public void reset() {
        if (tapWatch != null) {
            tapWatch.close();
            tapWatch = null;
        }
        queues = null;
    }

    @Override
    public void close() {
        tap.close();
    }
}
