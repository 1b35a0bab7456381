package io.hotvisor.vmm.api;

/** One interrupt input (GSI) of the in-kernel IOAPIC/PIC. */
public interface InterruptLine {
    int gsi();

    /** Drives the line to a level (level-triggered devices). */
    void set(boolean asserted);

    /** A line whose level changes go to {@code setLevel}. */
    static InterruptLine of(int gsi, java.util.function.Consumer<Boolean> setLevel) {
        return new InterruptLine() {
            @Override
            public int gsi() {
                return gsi;
            }

            @Override
            public void set(boolean asserted) {
                setLevel.accept(asserted);
            }
        };
    }

    /** Raises and lowers the line: one edge (edge-triggered devices). */
    default void pulse() {
        set(true);
        set(false);
    }
}
