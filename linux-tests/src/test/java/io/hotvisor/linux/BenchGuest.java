package io.hotvisor.linux;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kit booted for a benchmark, under Hotvisor or under QEMU: shell commands, markers that
 * background jobs of the guest print (timed by their arrival on the host, not by polling), and
 * device requests shaped as QMP's. Every time is the host's {@link System#nanoTime()}.
 */
abstract class BenchGuest implements GuestShell, AutoCloseable {
    private static final AtomicInteger WATCHES = new AtomicInteger();

    /** From the create request to the line with the kit's marker on the host, in milliseconds. */
    abstract double bootMillis();

    /** When the line holding {@code marker} (after the previous marker awaited) reached the host. */
    abstract long awaitMarker(String marker, Duration timeout) throws InterruptedException;

    /** Asks the VMM for {@code device_add driver=DRIVER,id=ID,properties...}; returns once it accepted. */
    abstract void deviceAdd(String driver, String id, Map<String, Object> properties) throws Exception;

    /** Asks the VMM for {@code device_del id=ID}; returns once it accepted, not when the guest let go. */
    abstract void deviceDel(String id) throws Exception;

    /** When the VMM reported DEVICE_DELETED for {@code id}, requested by the last {@link #deviceDel}. */
    abstract long awaitDeviceDeleted(String id) throws Exception;

    /**
     * Starts a guest job that checks the shell condition {@code condition} every millisecond and,
     * once it holds, runs {@code action} and, if that succeeds, prints a marker line; returns the marker for
     * {@link #awaitMarker}. The guest's reaction time is then its polling period plus the
     * marker's few bytes through the emulated UART, the same on both sides.
     */
    String watch(String condition, String action) throws IOException {
        String tag = "@@W" + WATCHES.incrementAndGet();
        // Quoted on the command line, so the shell's echo of the line does not hold the marker.
        sh("(until " + condition + "; do sleep 0.001; done; " + action + " && echo " + tag + "'@@') & :");
        return tag + "@@";
    }
}
