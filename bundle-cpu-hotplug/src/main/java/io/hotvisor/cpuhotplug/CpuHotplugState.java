package io.hotvisor.cpuhotplug;

/**
 * The controller state that survives a bundle update, kept in the VM's state vault as JSON.
 * Bump {@link #VERSION} when the meaning of a field changes.
 */
record CpuHotplugState(int version, int selector, int command, int ostEvent, boolean[] inserting, boolean[] removing,
                       boolean[] ejectRequested) {
    static final int VERSION = 1;
}
