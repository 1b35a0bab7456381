package io.hotvisor.vmm.api;

/** One interrupt input (GSI) of the in-kernel IOAPIC/PIC. */
public interface InterruptLine {
    int gsi();

    /** Drives the line to a level (level-triggered devices). */
    void set(boolean asserted);

    /** Raises and lowers the line: one edge (edge-triggered devices). */
    default void pulse() {
        set(true);
        set(false);
    }
}
