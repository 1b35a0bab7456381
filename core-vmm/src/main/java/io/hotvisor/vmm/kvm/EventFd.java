package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.hotvisor.vmm.api.EventNotifier;
import java.util.concurrent.locks.StampedLock;

/**
 * One owned, non-blocking eventfd. Signalling and draining allocate nothing and may run on any
 * thread; {@link #close()} waits for calls under way, so no call ever reaches a descriptor number
 * the process has reused for another file.
 */
public final class EventFd implements EventNotifier, AutoCloseable {
    private static final long COUNTER_SIZE = 8;
    /** The value every signal writes; never written to, so all threads share it. */
    private static final Memory ONE = new Memory(COUNTER_SIZE);

    static {
        ONE.setLong(0, 1);
    }

    private final StampedLock open = new StampedLock();
    private final Memory counter = new Memory(COUNTER_SIZE);
    private int fd;

    private EventFd(int fd) {
        this.fd = fd;
    }

    public static EventFd create() {
        try {
            return new EventFd(LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK));
        } catch (LastErrorException e) {
            throw new KvmException("eventfd", e.getErrorCode());
        }
    }

    @Override
    public void signal() {
        long stamp = open.readLock();
        try {
            LibC.write(openFd(), Memory.nativeValue(ONE), COUNTER_SIZE);
        } catch (LastErrorException e) {
            // EAGAIN: the counter is at its maximum, so the reader is woken already.
            if (e.getErrorCode() != LibC.EAGAIN) {
                throw new KvmException("write to eventfd " + fd, e.getErrorCode());
            }
        } finally {
            open.unlockRead(stamp);
        }
    }

    @Override
    public long drain() {
        long stamp = open.readLock();
        try {
            synchronized (counter) {
                LibC.read(openFd(), Memory.nativeValue(counter), COUNTER_SIZE);
                return counter.getLong(0);
            }
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EAGAIN) {
                return 0;
            }
            throw new KvmException("read from eventfd " + fd, e.getErrorCode());
        } finally {
            open.unlockRead(stamp);
        }
    }

    @Override
    public int fd() {
        long stamp = open.readLock();
        try {
            return openFd();
        } finally {
            open.unlockRead(stamp);
        }
    }

    private int openFd() {
        if (fd < 0) {
            throw new KvmException("eventfd is closed");
        }
        return fd;
    }

    @Override
    public void close() {
        long stamp = open.writeLock();
        try {
            if (fd >= 0) {
                int old = fd;
                fd = -1;
                LibC.close(old);
            }
        } finally {
            open.unlockWrite(stamp);
        }
    }

    @Override
    public String toString() {
        return "eventfd " + fd;
    }
}
