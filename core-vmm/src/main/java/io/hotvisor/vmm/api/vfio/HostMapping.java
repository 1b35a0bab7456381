package io.hotvisor.vmm.api.vfio;

/** A shared mapping of part of a device region in this process; closing it unmaps it. */
public interface HostMapping extends AutoCloseable {
    long hostAddress();

    long size();

    @Override
    void close();
}
