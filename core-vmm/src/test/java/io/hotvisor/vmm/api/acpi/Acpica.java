package io.hotvisor.vmm.api.acpi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's acpica-tools (iasl, acpiexec) for tests. The build installs them
 * (scripts/ensure-host-deps.sh); a missing tool fails the test with that hint rather than skipping.
 */
public final class Acpica {
    /** Every ACPI table starts with a 36-byte header; AML follows it in a DSDT or SSDT. */
    public static final int TABLE_HEADER_LENGTH = 36;
    private static final long TIMEOUT_SECONDS = 120;

    private Acpica() {
    }

    /** What a tool printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Compiles {@code body} inside a DefinitionBlock with {@code iasl -oa} (no optimisation, so
     * integers and name paths stay as written) and returns the AML after the table header.
     */
    public static byte[] compileAml(Path workDir, String body) {
        try {
            Files.createDirectories(workDir);
            Path source = workDir.resolve("test.asl");
            Files.writeString(source, "DefinitionBlock (\"\", \"SSDT\", 2, \"HOTVSR\", \"TEST\", 1)\n{\n"
                    + body + "\n}\n", StandardCharsets.US_ASCII);
            Result result = run(workDir, "iasl", "-oa", "-p", workDir.resolve("test").toString(), source.toString());
            Path aml = workDir.resolve("test.aml");
            if (result.exitCode() != 0 || !Files.exists(aml)) {
                throw new AssertionError("iasl failed on:\n" + body + "\n" + result.output());
            }
            byte[] table = Files.readAllBytes(aml);
            return Arrays.copyOfRange(table, TABLE_HEADER_LENGTH, table.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Result run(Path workDir, String... command) {
        return runWithInput(workDir, "", command);
    }

    /** Runs {@code command} with {@code input} on its standard input (closed after it). */
    public static Result runWithInput(Path workDir, String input, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError(command[0] + " could not be started; install acpica-tools "
                    + "(scripts/ensure-host-deps.sh acpica-tools)", e);
        }
        try {
            try (var stdin = process.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.US_ASCII));
            }
            // Read before waiting: a full pipe would block the tool.
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", command) + " timed out");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The lines of {@code output} that mention any of {@code words} (case-insensitive). */
    public static List<String> linesMentioning(String output, String... words) {
        List<String> hits = new ArrayList<>();
        for (String line : output.split("\n")) {
            for (String word : words) {
                if (line.toLowerCase().contains(word.toLowerCase())) {
                    hits.add(line);
                    break;
                }
            }
        }
        return hits;
    }
}
