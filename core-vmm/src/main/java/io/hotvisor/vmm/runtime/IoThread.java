package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.Pollable;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.kvm.Epoll;
import io.hotvisor.vmm.kvm.EventFd;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM's I/O thread ({@code io-<vm>}): an epoll loop over eventfds that runs their handlers and
 * submitted tasks one at a time. It owns its epoll instance and its wake-up eventfd, and its loop
 * closes them as it ends, so no fd is closed under a poll in progress.
 */
final class IoThread implements IoLoop, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoThread.class);
    /** The epoll token of the wake-up eventfd; watched notifiers get tokens from 1 up. */
    private static final long WAKE_TOKEN = 0;
    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    private final Epoll epoll;
    private final EventFd wake;
    private final Thread thread;
    private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final long[] ready = new long[Epoll.MAX_EVENTS];
    /** Taking work; cleared, under this object's lock, by close() or by the loop's end. */
    private volatile boolean open = true;
    private long nextToken = WAKE_TOKEN + 1;

    IoThread(String vmName) {
        Epoll createdEpoll = Epoll.create();
        EventFd createdWake = null;
        try {
            createdWake = EventFd.create();
            createdEpoll.add(createdWake.fd(), WAKE_TOKEN);
            this.thread = new Thread(this::loop, "io-" + vmName);
            this.thread.setDaemon(true);
        } catch (RuntimeException e) {
            if (createdWake != null) {
                createdWake.close();
            }
            createdEpoll.close();
            throw e;
        }
        this.epoll = createdEpoll;
        this.wake = createdWake;
        try {
            thread.start();
        } catch (RuntimeException | Error e) {
            closeFds();
            throw e;
        }
    }

    String name() {
        return thread.getName();
    }

    @Override
    public Registration watch(EventNotifier notifier, Runnable handler) {
        return add(notifier, () -> {
            notifier.drain();
            handler.run();
        });
    }

    @Override
    public Registration watchReadable(Pollable source, Runnable handler) {
        return add(source, handler);
    }

    private synchronized Registration add(Pollable source, Runnable handler) {
        requireOpen();
        long token = nextToken++;
        Watch watch = new Watch(token, source, handler);
        watches.put(token, watch);
        try {
            epoll.add(watch.fd, token);
        } catch (RuntimeException e) {
            watches.remove(token);
            throw e;
        }
        return watch;
    }

    @Override
    public synchronized void execute(Runnable task) {
        requireOpen();
        tasks.add(task);
        wake.signal();
    }

    private void requireOpen() {
        if (!open) {
            throw new VmException(name() + " is closed");
        }
    }

    /**
     * Stops the loop once the handler or task under way returns (tasks already accepted still run)
     * and waits for it, at most {@value #STOP_TIMEOUT_MILLIS} ms. Called on the I/O thread itself,
     * it only asks the loop to stop.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (open) {
                open = false;
                wake.signal();
            }
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(STOP_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{} did not stop within {} ms; it closes its fds when its current handler returns",
                    name(), STOP_TIMEOUT_MILLIS);
        }
    }

    private void loop() {
        try {
            while (open) {
                int count = epoll.poll(ready, -1);
                for (int i = 0; i < count; i++) {
                    if (ready[i] == WAKE_TOKEN) {
                        wake.drain();
                        runTasks();
                    } else {
                        dispatch(ready[i]);
                    }
                }
            }
            runTasks();
        } catch (RuntimeException e) {
            LOG.error("{} failed; its handlers and tasks no longer run", name(), e);
        } finally {
            synchronized (this) {
                open = false;
                closeFds();
            }
        }
    }

    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("{}: task {} failed", name(), task, e);
            }
        }
    }

    private void dispatch(long token) {
        Watch watch = watches.get(token);
        if (watch == null) {
            return; // unregistered while its event was pending
        }
        try {
            watch.handler.run();
        } catch (RuntimeException e) {
            LOG.error("{}: the handler of {} failed; it is no longer watched", name(), watch.source, e);
            try {
                watch.close();
            } catch (RuntimeException removal) {
                LOG.warn("{}: cannot stop watching {}", name(), watch.source, removal);
            }
        }
    }

    private void closeFds() {
        try {
            epoll.close();
        } finally {
            wake.close();
        }
    }

    /** One watched source; closing it takes the source out of the epoll set. */
    private final class Watch implements Registration {
        private final long token;
        private final int fd;
        private final Pollable source;
        private final Runnable handler;

        Watch(long token, Pollable source, Runnable handler) {
            this.token = token;
            this.fd = source.fd();
            this.source = source;
            this.handler = handler;
        }

        @Override
        public void close() {
            synchronized (IoThread.this) {
                if (watches.remove(token) != null && open) {
                    epoll.remove(fd);
                }
            }
        }
    }
}
