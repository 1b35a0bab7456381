package io.hotvisor.memhotplug;

import java.util.Locale;

/** Where a DIMM is in its life, as {@code mem:list} shows it. */
public enum DimmState {
    /** Plugged; the guest has not picked up the insert event yet. */
    PENDING_ADD,
    PRESENT,
    /** The guest was asked to eject it and has not yet. */
    PENDING_REMOVE,
    /** The guest refused the last removal (_OST); the DIMM stays plugged and usable. */
    FAILED_REMOVE;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
