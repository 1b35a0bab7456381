package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.IoLoop;

/** What an activated {@link VirtioDevice} works with; valid until its next reset. */
public interface VirtioQueues {
    /** Queue {@code index}; {@link Virtqueue#ready()} is false for a queue the driver left disabled. */
    Virtqueue queue(int index);

    GuestMemory memory();

    /** The features both sides agreed on. */
    long features();

    /** Interrupts the driver for queue {@code index} if it asked for it (EVENT_IDX or flags). */
    void usedBuffers(int index);

    /** Tells the driver the configuration structure changed. */
    void configChanged();

    /**
     * The driver broke the rules: the device goes to NEEDS_RESET, the driver is told, an error
     * is reported, and the device serves nothing more until the driver resets it.
     */
    void fail(VirtqueueException error);

    /**
     * The VM's I/O thread, for a backend that completes work later: each task runs under the
     * transport's lock, and not at all once the device was reset or failed since.
     */
    IoLoop ioLoop();
}
