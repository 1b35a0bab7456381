package io.hotvisor.vmm.api;

import java.util.Set;

/**
 * Whiteboard service of a capability bundle (CPU hotplug, memory hotplug, ...). The core asks
 * each capability to contribute when a VM's machine is built, attaches it to running machines,
 * and detaches it before the service goes away (bundle update or removal) — the machine keeps
 * running throughout (DESIGN.md §6).
 */
public interface MachineCapability {
    /** The capability's name, as errors, {@link #requiredCapabilities()} and the vault use it. */
    String name();

    /**
     * The {@link VmSpec#capabilitySettings() settings} this capability serves (names, or prefixes
     * ending in '*'): while it runs, a VM that uses them may be created. Its feature declares the
     * same in {@code feature.xml} ({@code hotvisor.spec;settings:List<String>="..."}), so that the
     * core can name what to install when it does not run.
     */
    default Set<String> specSettings() {
        return Set.of();
    }

    /** Capabilities (by {@link #name()}) that must run as well for this one to serve a VM. */
    default Set<String> requiredCapabilities() {
        return Set.of();
    }

    /**
     * Adds to the machine being built (each start or reset of a VM that this capability serves):
     * DSDT objects, MADT/SRAT entries, GED events. Runs before any vCPU does.
     */
    void contribute(Vm vm, MachineContribution contribution);

    /**
     * The machine runs (or keeps running across an update of this bundle): take over its register
     * block, restoring state from {@link Vm#vault()} if a previous instance left some.
     */
    void attach(Vm vm, MachineAttachment attachment);

    /** The service is going away: save the state a successor needs to the vault and let go. */
    void detach(Vm vm, MachineAttachment attachment);

    /**
     * The order in which capabilities contribute; the GED, which needs the others' event
     * registrations for its {@code _EVT}, goes last.
     */
    default int contributionOrder() {
        return 0;
    }
}
