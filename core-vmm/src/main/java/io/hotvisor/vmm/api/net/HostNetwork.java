package io.hotvisor.vmm.api.net;

/** Opens host network back ends (a core service, so the fds outlive an update of a device bundle). */
public interface HostNetwork {
    /**
     * Attaches to the TAP interface {@code name}, creating it when it is missing and the VMM may
     * (CAP_NET_ADMIN); fails with a one-line error that says which.
     */
    Tap openTap(String name, int vnetHeaderSize);
}
