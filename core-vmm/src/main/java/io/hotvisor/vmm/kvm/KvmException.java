package io.hotvisor.vmm.kvm;

import io.hotvisor.vmm.api.VmException;

/** A KVM ioctl or a related system call failed; the message names the call and the errno. */
public class KvmException extends VmException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public KvmException(String operation, int errno) {
        super(operation + " failed: " + LibC.describe(errno));
        this.errno = errno;
    }

    public KvmException(String message) {
        super(message);
        this.errno = 0;
    }

    public int errno() {
        return errno;
    }
}
