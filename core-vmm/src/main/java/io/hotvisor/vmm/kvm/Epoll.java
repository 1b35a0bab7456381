package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

/**
 * One owned epoll instance that reports, level-triggered, which watched fds are readable, each by
 * the 64-bit token it was added with. Adding and removing may happen on any thread while one
 * thread polls; polling reuses one native event array.
 */
public final class Epoll extends Fd {
    /** The most tokens one poll returns; further ready fds stay ready for the next poll. */
    public static final int MAX_EVENTS = 64;

    private final Memory control = new Memory(LibC.SIZEOF_EPOLL_EVENT);
    private final Memory events = new Memory((long) MAX_EVENTS * LibC.SIZEOF_EPOLL_EVENT);

    private Epoll(int fd) {
        super("epoll", fd);
    }

    public static Epoll create() {
        try {
            return new Epoll(LibC.epoll_create1(LibC.EPOLL_CLOEXEC));
        } catch (LastErrorException e) {
            throw new KvmException("epoll_create1", e.getErrorCode());
        }
    }

    /** Watches {@code watched} for input; {@link #poll} reports it as {@code token}. */
    public void add(int watched, long token) {
        synchronized (control) {
            control.setInt(LibC.EPOLL_EVENT_EVENTS, LibC.EPOLLIN);
            control.setLong(LibC.EPOLL_EVENT_DATA, token);
            try {
                LibC.epoll_ctl(fd(), LibC.EPOLL_CTL_ADD, watched, Memory.nativeValue(control));
            } catch (LastErrorException e) {
                throw new KvmException("epoll_ctl add of fd " + watched, e.getErrorCode());
            }
        }
    }

    public void remove(int watched) {
        try {
            LibC.epoll_ctl(fd(), LibC.EPOLL_CTL_DEL, watched, 0);
        } catch (LastErrorException e) {
            throw new KvmException("epoll_ctl delete of fd " + watched, e.getErrorCode());
        }
    }

    /**
     * Waits until a watched fd is readable or {@code timeoutMillis} pass (-1: no limit), and stores
     * the ready fds' tokens at the start of {@code tokens}. Returns how many; 0 after a timeout or
     * a signal.
     */
    public int poll(long[] tokens, int timeoutMillis) {
        synchronized (events) {
            int count;
            try {
                count = LibC.epoll_wait(fd(), Memory.nativeValue(events), Math.min(tokens.length, MAX_EVENTS),
                        timeoutMillis);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EINTR) {
                    return 0;
                }
                throw new KvmException("epoll_wait", e.getErrorCode());
            }
            for (int i = 0; i < count; i++) {
                tokens[i] = events.getLong((long) i * LibC.SIZEOF_EPOLL_EVENT + LibC.EPOLL_EVENT_DATA);
            }
            return count;
        }
    }
}
