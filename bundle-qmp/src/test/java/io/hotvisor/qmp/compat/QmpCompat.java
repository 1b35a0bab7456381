package io.hotvisor.qmp.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the two halves of the QEMU compatibility check share: QemuQmpTranscriptTest records
 * {@link QmpHotplugScript} against QEMU 7.2 on the host (no KVM), QmpQemuCompatibilityTest runs
 * it against Hotvisor where /dev/kvm is (possibly the lab, another machine) and compares.
 */
public final class QmpCompat {
    /** Where transcripts, QEMU's logs and the comparison go, relative to the working directory. */
    public static final Path OUT = Path.of("target", "qmp-compat");
    /** Base name of QEMU's files in {@link #OUT} ({@code qemu-7.2.txt}, {@code qemu-7.2.steps.json}, ...). */
    public static final String QEMU = "qemu-7.2";
    /** Base name of Hotvisor's transcript files in {@link #OUT}. */
    public static final String HOTVISOR = "hotvisor";
    /** The system property naming the recorded QEMU transcript the Hotvisor side compares with. */
    public static final String QEMU_TRANSCRIPT_PROPERTY = "hotvisor.qmp.qemuTranscript";
    /** How long any QMP answer may take, on either side. */
    public static final Duration ANSWER = Duration.ofSeconds(10);

    private QmpCompat() {
    }

    /** The QEMU transcript's steps file: {@value #QEMU_TRANSCRIPT_PROPERTY}, else {@code target/qmp-compat/qemu-7.2.steps.json}. */
    public static Path qemuTranscript() {
        String configured = System.getProperty(QEMU_TRANSCRIPT_PROPERTY);
        return configured != null && !configured.isBlank() ? Path.of(configured) : QmpTranscript.stepsFile(OUT, QEMU);
    }

    /** The recorded QEMU transcript; fails in one line, naming the file and its writer, when it is missing. */
    public static QmpTranscript readQemuTranscript() throws IOException {
        Path file = qemuTranscript();
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no QEMU transcript at " + file.toAbsolutePath() + ": QemuQmpTranscriptTest "
                    + "(bundle-qmp's surefire run) writes it; -D" + QEMU_TRANSCRIPT_PROPERTY + "=FILE names another");
        }
        return QmpTranscript.read(file);
    }
}
