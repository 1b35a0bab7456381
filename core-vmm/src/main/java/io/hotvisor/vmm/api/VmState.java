package io.hotvisor.vmm.api;

import java.util.Locale;

/** Lifecycle of a VM as operators see it. */
public enum VmState {
    /** Defined, never started. */
    CREATED,
    RUNNING,
    PAUSED,
    /** Stopped by the host; {@code start} boots it again. */
    STOPPED,
    /** The guest powered itself off. */
    SHUTDOWN,
    /** The VMM or KVM failed; see {@link Vm#failure()}. */
    FAILED;

    /** Lowercase name used by the shell, JMX and QMP. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isActive() {
        return this == RUNNING || this == PAUSED;
    }
}
