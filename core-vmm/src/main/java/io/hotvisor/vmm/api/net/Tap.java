package io.hotvisor.vmm.api.net;

import io.hotvisor.vmm.api.Pollable;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A host TAP interface opened non-blocking with a virtio-net header of the size asked for in
 * front of each frame, so frames pass between a virtio-net queue and the host unchanged. Buffers
 * must be direct.
 */
public interface Tap extends Pollable, AutoCloseable {
    /**
     * What the host kernel may hand to {@link #read} instead of finished frames (TUNSETOFFLOAD):
     * frames whose checksum the reader completes, and TCP segmentation (GSO) frames of up to 64 KiB.
     */
    enum Offload {
        /** Partial checksums (VIRTIO_NET_HDR_F_NEEDS_CSUM); the TSO offloads need it. */
        CHECKSUM,
        TSO4,
        TSO6,
        /** TSO frames with ECN set; needs TSO4 or TSO6. */
        TSO_ECN
    }

    String name();

    /** The offloads this TAP accepts, probed when it was opened; empty when it takes none. */
    Set<Offload> supportedOffloads();

    /**
     * The offloads {@link #read} may hand over from now on (none when it was opened), a subset of
     * {@link #supportedOffloads}; frames the host queued before keep what they had.
     */
    void setOffloads(Set<Offload> offloads);

    /** Reads one frame (header first) into {@code buffer} from its position; 0 when none is waiting. */
    int read(ByteBuffer buffer);

    /** Writes the frame between position and limit; false when the host dropped it (its queue is full). */
    boolean write(ByteBuffer buffer);

    @Override
    void close();
}
