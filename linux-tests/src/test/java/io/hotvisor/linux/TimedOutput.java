package io.hotvisor.linux;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * A guest's serial output as it arrives, with the host's {@link System#nanoTime()} of every line
 * end, so that a benchmark times a marker line by when it reached the host, not by when a poller
 * looked. Fed byte by byte (Hotvisor's console listener on the vCPU thread, or a reader of QEMU's
 * serial pipe); two cursors, so that markers of background jobs and answers to commands can be
 * awaited independently.
 */
final class TimedOutput {
    private final StringBuilder text = new StringBuilder();
    /** Output offset just past each '\n' → when it arrived. */
    private final TreeMap<Integer, Long> lineEnds = new TreeMap<>();
    private int markerCursor;
    private int textCursor;
    private String ended;

    synchronized void accept(byte b) {
        text.append((char) (b & 0xFF));
        if (b == '\n') {
            lineEnds.put(text.length(), System.nanoTime());
        }
        notifyAll();
    }

    /**
     * Waits for the line that holds {@code marker} (after the previous marker awaited) and returns
     * the nanoTime at which that line ended.
     */
    synchronized long awaitMarkerLine(String marker, Duration timeout, String who) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int at = text.indexOf(marker, markerCursor);
            Map.Entry<Integer, Long> end = at < 0 ? null : lineEnds.ceilingEntry(at + marker.length());
            if (end != null) {
                markerCursor = end.getKey();
                return end.getValue();
            }
            waitUntil(deadline, "'" + marker + "'", who);
        }
    }

    /**
     * Waits for {@code needle} after the previous text awaited and returns everything up to its
     * end (for a command's answer, or a prompt that ends no line).
     */
    synchronized String awaitText(String needle, Duration timeout, String who) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int at;
        while ((at = text.indexOf(needle, textCursor)) < 0) {
            waitUntil(deadline, "'" + needle + "'", who);
        }
        String upTo = text.substring(textCursor, at + needle.length());
        textCursor = at + needle.length();
        return upTo;
    }

    /** No more output will come ({@code why}: e.g. the process exited): waits fail at once. */
    synchronized void end(String why) {
        ended = why;
        notifyAll();
    }

    private void waitUntil(long deadline, String what, String who) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || ended != null) {
            throw new AssertionError(who + ": no " + what + (ended != null ? " (" + ended + ")" : " within the timeout")
                    + "; last output:\n" + tail());
        }
        wait(Math.max(1, left / 1_000_000));
    }

    synchronized String tail() {
        return text.substring(Math.max(0, text.length() - 2000));
    }
}
