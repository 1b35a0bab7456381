package io.hotvisor.vmm.api;

/**
 * One MSI or MSI-X vector of a device: a GSI of its own whose in-kernel route the device
 * programs as the guest writes its MSI capability or MSI-X table, and an eventfd bound to that GSI
 * (an irqfd), so raising the interrupt from any thread is one eventfd write. Closing it frees the
 * GSI and its eventfd.
 */
public interface MsiVector extends AutoCloseable {
    int gsi();

    /** Points the vector at the guest's MSI address and data; an unchanged route costs nothing. */
    void route(long address, int data);

    /** Removes the route (the guest disabled or masked the vector): triggers are dropped. */
    void unroute();

    /** Raises the interrupt through the route set last. */
    void trigger();

    /**
     * The irqfd's eventfd, for a producer that signals it itself (a VFIO device); it belongs to
     * this vector and closes with it.
     */
    EventNotifier eventFd();

    @Override
    void close();
}
