package io.hotvisor.vmm.api;

/**
 * The VM's I/O thread: it waits on eventfds and runs their handlers and submitted tasks one at a
 * time, so device back ends that only run there need no locks among themselves.
 */
public interface IoLoop {
    /**
     * Runs {@code handler} on the I/O thread each time {@code notifier} is signalled (its counter
     * is drained first). A handler that throws is logged and no longer watched. The notifier stays
     * the caller's: close the registration before closing it.
     */
    Registration watch(EventNotifier notifier, Runnable handler);

    /**
     * Runs {@code handler} on the I/O thread whenever {@code source} has data to read (a TAP, a
     * socket): level-triggered, so the handler reads until the source is empty, or closes the
     * registration while it cannot take more (it watches again when it can).
     */
    Registration watchReadable(Pollable source, Runnable handler);

    /** Runs {@code task} on the I/O thread soon; fails once the thread is closing. */
    void execute(Runnable task);
}
