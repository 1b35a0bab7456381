package io.hotvisor.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/** Measurements the runner reports at the end: printed, and appended to DATA_DIR/timings.txt. */
public final class Timings {
    private Timings() {
    }

    public static synchronized void record(String name, Duration duration) {
        String line = String.format(Locale.ROOT, "%s=%.1f s (%s)", name, duration.toMillis() / 1000.0,
                LinuxKit.get().where());
        System.out.println("[linux-timing] " + line);
        try {
            Files.createDirectories(LinuxKit.get().dataDir());
            Files.writeString(LinuxKit.get().dataDir().resolve("timings.txt"), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot record timing " + line + ": " + e);
        }
    }
}
