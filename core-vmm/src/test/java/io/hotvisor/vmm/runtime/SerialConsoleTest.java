package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Audit rows 5 and 13: a guest cannot fill the disk through its console, and only its owner reads the log. */
class SerialConsoleTest {
    @TempDir
    Path dir;

    private static void print(SerialConsole console, String text) {
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            console.output(b);
        }
    }

    /** Lines "line 0000\n" ... of 10 bytes each. */
    private static String lines(int from, int to) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < to; i++) {
            text.append(String.format("line %04d%n", i));
        }
        return text.toString();
    }

    @Test
    void aFloodKeepsAtMostMaxBytesTimesFiles() throws IOException {
        Path log = dir.resolve("console.log");
        try (SerialConsole console = new SerialConsole(log, new ConsoleLogLimits(1000, 3))) {
            print(console, lines(0, 10_000)); // 100,000 bytes

            assertThat(console.recentOutput(2)).as("vm:log").isEqualTo(lines(9998, 10_000));
        }
        assertThat(Files.size(log)).isEqualTo(1000);
        assertThat(Files.readString(console(1))).isEqualTo(lines(9800, 9900));
        assertThat(Files.readString(console(2))).isEqualTo(lines(9700, 9800));
        assertThat(Files.readString(log)).isEqualTo(lines(9900, 10_000));
        try (var files = Files.list(dir)) {
            assertThat(files).hasSize(3);
        }
    }

    private Path console(int n) {
        return dir.resolve("console.log." + n);
    }

    @Test
    void oneFileStartsOverAtTheCap() throws IOException {
        Path log = dir.resolve("console.log");
        try (SerialConsole console = new SerialConsole(log, new ConsoleLogLimits(100, 1))) {
            print(console, lines(0, 25));
        }
        assertThat(Files.readString(log)).isEqualTo(lines(20, 25));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(log);
        }
    }

    @Test
    void aLogKeptFromAnEarlierDefinitionCountsTowardsTheCapAndBecomesOwnerOnly() throws IOException {
        Path log = Files.writeString(dir.resolve("console.log"), lines(0, 8));
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));

        try (SerialConsole console = new SerialConsole(log, new ConsoleLogLimits(100, 2))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
            print(console, lines(8, 15));
        }
        assertThat(Files.readString(console(1))).isEqualTo(lines(0, 10));
        assertThat(Files.readString(log)).isEqualTo(lines(10, 15));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(console(1)))).isEqualTo("rw-------");
    }
}
