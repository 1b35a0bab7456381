package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.Vm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives a VM's serial console from a test: wait for output, send a line, and report the last
 * 50 lines of console on every failure.
 */
public final class ConsoleHarness {
    private static final int CONTEXT_LINES = 50;
    private final Vm vm;
    private int consumed;

    public ConsoleHarness(Vm vm) {
        this.vm = vm;
    }

    /** Waits until {@code text} appears in output not consumed by an earlier wait; returns the output up to it. */
    public String waitFor(String text, Duration timeout) {
        return waitFor(Pattern.compile(Pattern.quote(text)), timeout).group();
    }

    public Matcher waitFor(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String all = vm.console().recentOutput(Integer.MAX_VALUE);
            int from = Math.min(consumed, all.length());
            Matcher matcher = pattern.matcher(all);
            if (matcher.find(from)) {
                consumed = matcher.end();
                return matcher;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for /" + pattern
                        + "/ on the console of " + vm.name() + " (state " + vm.state().label() + vm.failure().map(f -> ": " + f).orElse("")
                        + "); last " + CONTEXT_LINES + " lines:\n" + vm.console().recentOutput(CONTEXT_LINES));
            }
            sleep();
        }
    }

    /** Types a line (with CR) on the console. */
    public void sendLine(String line) {
        vm.console().sendInput((line + "\r").getBytes(StandardCharsets.US_ASCII));
    }

    /** Forgets output so far: the next wait only sees new output. */
    public void skipExisting() {
        consumed = vm.console().recentOutput(Integer.MAX_VALUE).length();
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
