package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;

/** One owned file descriptor: the three KVM fd levels (with their ioctl plumbing) and epoll. */
abstract class Fd implements AutoCloseable {
    private final String what;
    private volatile int fd;

    Fd(String what, int fd) {
        this.what = what;
        this.fd = fd;
    }

    public final int fd() {
        int current = fd;
        if (current < 0) {
            throw new KvmException(what + " is closed");
        }
        return current;
    }

    final int ioctl(String name, long request, long arg) {
        IoctlFaults.beforeIoctl(name);
        try {
            return LibC.ioctl(fd(), request, arg);
        } catch (LastErrorException e) {
            throw new KvmException(name, e.getErrorCode());
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            int old = fd;
            fd = -1;
            LibC.close(old);
        }
    }
}
