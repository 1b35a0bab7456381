package io.hotvisor.qmp.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the two halves of the QEMU compatibility check share: QemuQmpTranscriptTest records
 * {@link QmpHotplugScript} (CPU) and {@link QmpDimmScript} (DIMM) against QEMU 7.2 on the host (no
 * KVM), QmpQemuCompatibilityTest runs them against Hotvisor where /dev/kvm is (possibly the lab,
 * another machine) and compares.
 */
public final class QmpCompat {
    /** Where transcripts, QEMU's logs and the comparison go, relative to the working directory. */
    public static final Path OUT = Path.of("target", "qmp-compat");
    /** Base name of QEMU's files in {@link #OUT} ({@code qemu-7.2.txt}, {@code qemu-7.2.steps.json}, ...). */
    public static final String QEMU = "qemu-7.2";
    /** Base name of Hotvisor's transcript files in {@link #OUT}. */
    public static final String HOTVISOR = "hotvisor";
    /** Base names of the DIMM script's transcripts in {@link #OUT} (beside the CPU script's). */
    public static final String QEMU_DIMM = "qemu-7.2-dimm";
    public static final String HOTVISOR_DIMM = "hotvisor-dimm";
    /** The system property naming the recorded QEMU transcript the Hotvisor side compares with. */
    public static final String QEMU_TRANSCRIPT_PROPERTY = "hotvisor.qmp.qemuTranscript";
    /** The same for the DIMM script's QEMU transcript. */
    public static final String QEMU_DIMM_TRANSCRIPT_PROPERTY = "hotvisor.qmp.qemuDimmTranscript";
    /** How long any QMP answer may take, on either side. */
    public static final Duration ANSWER = Duration.ofSeconds(10);

    private QmpCompat() {
    }

    /** The QEMU transcript's steps file: {@value #QEMU_TRANSCRIPT_PROPERTY}, else {@code target/qmp-compat/qemu-7.2.steps.json}. */
    public static Path qemuTranscript() {
        return configuredOr(QEMU_TRANSCRIPT_PROPERTY, QEMU);
    }

    /** The DIMM script's: {@value #QEMU_DIMM_TRANSCRIPT_PROPERTY}, else {@code target/qmp-compat/qemu-7.2-dimm.steps.json}. */
    public static Path qemuDimmTranscript() {
        return configuredOr(QEMU_DIMM_TRANSCRIPT_PROPERTY, QEMU_DIMM);
    }

    private static Path configuredOr(String property, String base) {
        String configured = System.getProperty(property);
        return configured != null && !configured.isBlank() ? Path.of(configured) : QmpTranscript.stepsFile(OUT, base);
    }

    /** The recorded QEMU transcript; fails in one line, naming the file and its writer, when it is missing. */
    public static QmpTranscript readQemuTranscript() throws IOException {
        return read(qemuTranscript(), QEMU_TRANSCRIPT_PROPERTY);
    }

    /** The recorded QEMU transcript of the DIMM script, as {@link #readQemuTranscript()}. */
    public static QmpTranscript readQemuDimmTranscript() throws IOException {
        return read(qemuDimmTranscript(), QEMU_DIMM_TRANSCRIPT_PROPERTY);
    }

    private static QmpTranscript read(Path file, String property) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no QEMU transcript at " + file.toAbsolutePath() + ": QemuQmpTranscriptTest "
                    + "(bundle-qmp's surefire run) writes it; -D" + property + "=FILE names another");
        }
        return QmpTranscript.read(file);
    }
}
