package io.hotvisor.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A command on the machine that runs the VMM (L1 in the lab), for the tests' setup and checks. */
final class HostCommand {
    private HostCommand() {
    }

    /** Runs the command; returns its output (stderr included), or fails naming it and its output. */
    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (status " + process.exitValue() + "): " + output);
        }
        return output;
    }
}
