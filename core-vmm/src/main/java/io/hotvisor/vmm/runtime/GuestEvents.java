package io.hotvisor.vmm.runtime;

/**
 * What a running machine reports to its VM. Called on vCPU threads, which these calls must not
 * wait for: the VM acts on them from another thread.
 */
interface GuestEvents {
    /** The guest asked for a reset (i8042, triple fault, ACPI reset). */
    void resetRequested(String why);

    /** The guest powered off. */
    void shutdownRequested(String why);

    /** The VM cannot go on (KVM internal error, failed entry, unexpected exit). */
    void failed(String why);
}
