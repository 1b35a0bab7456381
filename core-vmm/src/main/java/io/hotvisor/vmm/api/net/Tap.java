package io.hotvisor.vmm.api.net;

import io.hotvisor.vmm.api.Pollable;
import java.nio.ByteBuffer;

/**
 * A host TAP interface opened non-blocking with a virtio-net header of the size asked for in
 * front of each frame, so frames pass between a virtio-net queue and the host unchanged. Buffers
 * must be direct.
 */
public interface Tap extends Pollable, AutoCloseable {
    String name();

    /** Reads one frame (header first) into {@code buffer} from its position; 0 when none is waiting. */
    int read(ByteBuffer buffer);

    /** Writes the frame between position and limit; false when the host dropped it (its queue is full). */
    boolean write(ByteBuffer buffer);

    @Override
    void close();
}
