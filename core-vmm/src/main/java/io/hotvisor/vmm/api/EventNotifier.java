package io.hotvisor.vmm.api;

/**
 * An eventfd: a counter through which the kernel (irqfd, ioeventfd, VFIO), the VM's I/O thread
 * and device models wake each other without a system call of their own beyond one read or write.
 */
public interface EventNotifier extends Pollable {
    /** Adds one to the counter and wakes whoever waits on it; safe from any thread. */
    void signal();

    /** Reads and resets the counter: the signals since the last drain, 0 when there were none. */
    long drain();

}
