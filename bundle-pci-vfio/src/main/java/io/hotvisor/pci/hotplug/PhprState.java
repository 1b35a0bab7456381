package io.hotvisor.pci.hotplug;

/** What a successor of this bundle needs of a running machine's controller (the vault's JSON). */
record PhprState(int version, int added, int removing, int ejectRequested, int segment) {
    static final int VERSION = 1;
}
