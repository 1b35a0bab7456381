package io.hotvisor.virtio;

import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.net.Tap;
import io.hotvisor.vmm.api.net.Tap.Offload;
import io.hotvisor.vmm.api.virtio.DescriptorChain;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network device (virtio 1.2 §5.1) on a host TAP: queue 0 receives, queue 1 transmits, and
 * frames keep their 12-byte virtio-net header on both sides, so the TAP sees exactly what the
 * guest's driver wrote. Receive buffers may be merged (a frame over several chains). While the
 * guest has no receive buffer, the TAP is not read: the host queues or drops, not us.
 *
 * <p>The checksum and TCP segmentation offloads the TAP accepts are offered both ways, as QEMU
 * and Cloud Hypervisor do: the guest sends partial checksums and 64 KiB TSO frames, which the
 * host kernel finishes, and receives them if it agreed to (GUEST_*), which the TAP is set to
 * at activation. A header that asks for an offload that was not agreed is refused.
 */
final class VirtioNet implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioNet.class);
    static final int TYPE = 1;
    static final int RX = 0;
    static final int TX = 1;
    static final int QUEUE_SIZE = 256;
    /** struct virtio_net_hdr_v1: with VERSION_1 it always has num_buffers. */
    static final int HEADER = 12;
    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;
    static final int NUM_BUFFERS = 10;
    static final int HDR_F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;
    /**
     * The largest frame either way, header included: a TSO frame, an IPv6 header and 64 KiB of
     * payload behind an Ethernet header with a VLAN tag.
     */
    static final int MAX_FRAME = HEADER + 18 + 40 + 65535;
    static final long F_CSUM = 1L << 0;
    static final long F_GUEST_CSUM = 1L << 1;
    static final long F_MAC = 1L << 5;
    static final long F_GUEST_TSO4 = 1L << 7;
    static final long F_GUEST_TSO6 = 1L << 8;
    static final long F_GUEST_ECN = 1L << 9;
    static final long F_HOST_TSO4 = 1L << 11;
    static final long F_HOST_TSO6 = 1L << 12;
    static final long F_HOST_ECN = 1L << 13;
    static final long F_MRG_RXBUF = 1L << 15;
    static final long F_STATUS = 1L << 16;
    static final int STATUS_LINK_UP = 1;
    static final int CONFIG_SIZE = 8;

    private final Tap tap;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_FRAME);
    private final ByteBuffer transmitBuffer = ByteBuffer.allocateDirect(MAX_FRAME);
    private VirtioQueues queues;
    /** What the guest agreed to send, and to receive (what the TAP is set to), while active. */
    private Set<Offload> sendOffloads = Set.of();
    private Set<Offload> receiveOffloads = Set.of();
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
        long features = F_MAC | F_MRG_RXBUF | F_STATUS;
        for (Offload offload : tap.supportedOffloads()) {
            features |= sendFeature(offload) | receiveFeature(offload);
        }
        return features;
    }

    /** The feature by which the guest may send frames with this offload: the host finishes them. */
    private static long sendFeature(Offload offload) {
        return switch (offload) {
            case CHECKSUM -> F_CSUM;
            case TSO4 -> F_HOST_TSO4;
            case TSO6 -> F_HOST_TSO6;
            case TSO_ECN -> F_HOST_ECN;
        };
    }

    /** The feature by which the guest agrees to receive frames with this offload. */
    private static long receiveFeature(Offload offload) {
        return switch (offload) {
            case CHECKSUM -> F_GUEST_CSUM;
            case TSO4 -> F_GUEST_TSO4;
            case TSO6 -> F_GUEST_TSO6;
            case TSO_ECN -> F_GUEST_ECN;
        };
    }

    /**
     * The offloads whose feature the driver accepted, less those whose prerequisite it refused
     * against the spec's rules (TSO needs checksums, ECN needs TSO), which the kernel would refuse.
     */
    private Set<Offload> agreed(long features, ToLongFunction<Offload> feature) {
        Set<Offload> offloads = EnumSet.noneOf(Offload.class);
        for (Offload offload : tap.supportedOffloads()) {
            if ((features & feature.applyAsLong(offload)) != 0) {
                offloads.add(offload);
            }
        }
        if (!offloads.contains(Offload.CHECKSUM)) {
            return Set.of();
        }
        if (!offloads.contains(Offload.TSO4) && !offloads.contains(Offload.TSO6)) {
            offloads.remove(Offload.TSO_ECN);
        }
        return offloads;
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
        sendOffloads = agreed(activated.features(), VirtioNet::sendFeature);
        receiveOffloads = agreed(activated.features(), VirtioNet::receiveFeature);
        // Before the first read: the TAP must never hand the guest a frame it did not agree to.
        tap.setOffloads(receiveOffloads);
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
            String problem = headerProblem(frame, receiveOffloads);
            if (problem != null) {
                // Queued by the host before the offloads were turned down: the guest could not take it.
                LOG.debug("{}: dropped a received frame: {}", tap.name(), problem);
                continue;
            }
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
                String problem = headerProblem(frame, sendOffloads);
                if (problem != null) {
                    throw new VirtqueueException("virtio-net transmit request " + chain.head() + ": " + problem);
                }
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

    /**
     * Why this frame's header does not fit the {@code agreed} offloads or the frame, or null when
     * it does: the kernel refuses a header whose lengths lie past the frame, and a guest must
     * not be handed a checksum or segmentation job it did not agree to.
     */
    static String headerProblem(byte[] frame, Set<Offload> agreed) {
        ByteBuffer header = ByteBuffer.wrap(frame, 0, HEADER).order(ByteOrder.LITTLE_ENDIAN);
        int payload = frame.length - HEADER;
        if ((header.get(FLAGS) & HDR_F_NEEDS_CSUM) != 0) {
            if (!agreed.contains(Offload.CHECKSUM)) {
                return "partial checksum (NEEDS_CSUM), which was not negotiated";
            }
            int checksumEnd = Short.toUnsignedInt(header.getShort(CSUM_START))
                    + Short.toUnsignedInt(header.getShort(CSUM_OFFSET)) + 2;
            if (checksumEnd > payload) {
                return "checksum field ends at byte " + checksumEnd + ", past the " + payload + "-byte frame";
            }
        }
        int headerLength = Short.toUnsignedInt(header.getShort(HDR_LEN));
        if (headerLength > payload) {
            return "hdr_len " + headerLength + " is past the " + payload + "-byte frame";
        }
        int gsoType = Byte.toUnsignedInt(header.get(GSO_TYPE));
        if (gsoType == GSO_NONE) {
            return null;
        }
        Offload segmentation = switch (gsoType & ~GSO_ECN) {
            case GSO_TCPV4 -> Offload.TSO4;
            case GSO_TCPV6 -> Offload.TSO6;
            default -> null;
        };
        if (segmentation == null) {
            return String.format("GSO type 0x%x, which is never offered", gsoType);
        }
        if (!agreed.contains(segmentation) || (gsoType & GSO_ECN) != 0 && !agreed.contains(Offload.TSO_ECN)) {
            return String.format("GSO type 0x%x, which was not negotiated", gsoType);
        }
        if (header.getShort(GSO_SIZE) == 0) {
            return "a GSO frame with gso_size 0";
        }
        return null;
    }

    @Override
    public void reset() {
        if (tapWatch != null) {
            tapWatch.close();
            tapWatch = null;
        }
        queues = null;
        sendOffloads = Set.of();
        receiveOffloads = Set.of();
    }

    @Override
    public void close() {
        tap.close();
    }
}
