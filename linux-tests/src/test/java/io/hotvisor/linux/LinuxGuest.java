package io.hotvisor.linux;

import io.hotvisor.vmm.api.Vm;
import java.time.Duration;

/** A booted Linux guest: the VM, its console harness and how long it took to reach the shell. */
public final class LinuxGuest {
    /** How long one shell command may take (a console round trip is milliseconds even in the lab). */
    public static final Duration COMMAND = Duration.ofSeconds(60);

    private final Vm vm;
    private final GuestConsole console;
    private final Duration bootTime;
    private int watches;

    LinuxGuest(Vm vm, GuestConsole console, Duration bootTime) {
        this.vm = vm;
        this.console = console;
        this.bootTime = bootTime;
    }

    public Vm vm() {
        return vm;
    }

    public GuestConsole console() {
        return console;
    }

    /** From {@code vm.start()} to the shell prompt. */
    public Duration bootTime() {
        return bootTime;
    }

    /** Runs a shell command that must succeed; returns its output. */
    public String sh(String command) {
        return console.check(command, COMMAND);
    }

    /** Runs a shell command; returns output and status. */
    public GuestConsole.Result run(String command) {
        return console.run(command, COMMAND);
    }

    /**
     * Waits (polling inside the guest, 10 times a second) until the shell condition
     * {@code condition} holds, e.g. {@code [ -e /sys/devices/system/cpu/cpu1 ]}; returns how long
     * it took as the guest measured it.
     */
    public Duration waitUntil(String condition, Duration timeout) {
        long tenths = Math.max(1, timeout.toMillis() / 100);
        String out = console.check("i=0; until " + condition + "; do [ $i -ge " + tenths
                + " ] && break; sleep 0.1; i=$((i+1)); done; echo waited=$i; " + condition,
                timeout.plus(COMMAND));
        int waited = Integer.parseInt(out.replaceAll("(?s).*waited=(\\d+).*", "$1"));
        return Duration.ofMillis(waited * 100L);
    }

    /**
     * Starts a background loop in the guest that prints a marker as soon as the shell condition
     * {@code condition} holds (checked every 50 ms) and returns the marker: wait for it with
     * {@code console().waitFor(marker, timeout)} to time when the guest saw a change.
     */
    public String watch(String condition) {
        int n = ++watches;
        sh("(until " + condition + "; do sleep 0.05; done; echo @@W" + n + "'@@') & :");
        return "@@W" + n + "@@";
    }

    /** An AssertionError carrying the last lines of this guest's console. */
    public AssertionError failure(String message) {
        return console.failure(message);
    }
}
