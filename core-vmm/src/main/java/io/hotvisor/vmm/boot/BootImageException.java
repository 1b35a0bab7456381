package io.hotvisor.vmm.boot;

import io.hotvisor.vmm.api.VmException;

/** A kernel image cannot be booted, or boot parameters cannot be encoded. */
public class BootImageException extends VmException {
    private static final long serialVersionUID = 1L;

    public BootImageException(String message) {
        super(message);
    }

    public BootImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
