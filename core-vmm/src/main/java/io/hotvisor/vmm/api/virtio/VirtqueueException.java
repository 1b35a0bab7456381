package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.VmException;

/**
 * The driver broke the virtqueue rules (a descriptor out of range or outside RAM, a loop, an
 * oversize chain, a write into a read-only buffer). The transport marks the device
 * {@code NEEDS_RESET} and publishes an error; the VM and the other devices carry on.
 */
public class VirtqueueException extends VmException {
    private static final long serialVersionUID = 1L;

    public VirtqueueException(String message) {
        super(message);
    }
}
