package io.hotvisor.memhotplug;

/**
 * The controller state that survives a bundle update, kept in the VM's state vault as JSON: the
 * DIMMs by slot (null for an empty one) and the per-slot flags. Bump {@link #VERSION} when the
 * meaning of a field changes.
 */
record MemHotplugState(int version, int selector, int ostEvent, Dimm[] dimms, boolean[] enabled, boolean[] inserting,
                       boolean[] removing, boolean[] ejectRequested, boolean[] removeFailed) {
    static final int VERSION = 1;
}
