package io.hotvisor.linux;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The probe guest's serial console on either side of a benchmark: typing a line, and output
 * timed by its arrival on the host.
 *
 * @param typist types one line (without its line end)
 * @param output the console's output
 */
record ProbeConsole(Consumer<String> typist, TimedOutput output) {
    /** The probe's first line. */
    static final String BANNER = "Hotvisor probe guest";
    static final String PROMPT = "probe> ";
    private static final Duration EXITS = Duration.ofSeconds(120);

    /**
     * The probe's {@code exits KIND N} (pio: writes to port 0x80; mmio: reads of an unclaimed
     * page): from the arrival of its "go" line to that of its "done" line, per exit, in ns.
     */
    double nanosPerExit(String kind, int iterations) throws InterruptedException {
        typist.accept("exits " + kind + " " + iterations);
        long go = output.awaitMarkerLine("exits: go", EXITS, "probe");
        long done = output.awaitMarkerLine("exits: done " + iterations, EXITS, "probe");
        return (done - go) / (double) iterations;
    }
}
