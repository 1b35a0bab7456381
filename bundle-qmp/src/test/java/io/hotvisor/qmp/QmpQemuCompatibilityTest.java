package io.hotvisor.qmp;

import static io.hotvisor.qmp.compat.QmpCompat.ANSWER;
import static io.hotvisor.qmp.compat.QmpCompat.HOTVISOR;
import static io.hotvisor.qmp.compat.QmpCompat.OUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.compat.QmpCompat;
import io.hotvisor.qmp.compat.QmpHotplugScript;
import io.hotvisor.qmp.compat.QmpShapeComparison;
import io.hotvisor.qmp.compat.QmpTranscript;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's compatibility check, Hotvisor's half: {@link QmpHotplugScript} against Hotvisor (probe
 * guest, 1 of 4 vCPUs), compared with QEMU 7.2's answers to the same script as
 * {@link QemuQmpTranscriptTest} recorded them on the host ({@link QmpCompat#qemuTranscript()}:
 * system property {@value QmpCompat#QEMU_TRANSCRIPT_PROPERTY}, else
 * {@code target/qmp-compat/qemu-7.2.steps.json}). The answers and events of each step must have
 * the same shapes but for {@link QmpShapeComparison#QEMU_7_2}. Hotvisor's transcript and the
 * comparison are written to {@code target/qmp-compat/} under the working directory.
 */
@KvmTest
class QmpQemuCompatibilityTest {
    private static final Duration PROBE_GUEST = Duration.ofSeconds(30);

    @TempDir
    Path data;

    @Test
    void theScriptedCpuHotplugGetsAnswersOfQemu72sShape() throws Exception {
        QmpTranscript qemu = QmpCompat.readQemuTranscript();
        QmpTranscript hotvisor = runOnHotvisor();

        QmpShapeComparison comparison = new QmpShapeComparison(QmpShapeComparison.QEMU_7_2);
        QmpShapeComparison.Result result = comparison.compare(qemu, hotvisor);
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("comparison.txt"), result.report() + "whitelist:\n" + comparison.describeWhitelist(),
                StandardCharsets.UTF_8);
        System.out.println(result.report());
        assertThat(result.differences())
                .as("QMP shapes that differ between QEMU 7.2 (" + QmpCompat.qemuTranscript().toAbsolutePath()
                        + ") and Hotvisor outside the whitelist (transcripts in " + OUT.toAbsolutePath() + ")")
                .isEmpty();
    }

    private QmpTranscript runOnHotvisor() throws Exception {
        QmpTranscript transcript = new QmpTranscript("Hotvisor (probe guest, KVM)");
        try (QmpFixture fixture = new QmpFixture(data.resolve("hotvisor")).withCpuHotplug()) {
            Vm vm = fixture.probe("compat", 1, 4, Map.of());
            vm.start();
            ConsoleHarness console = new ConsoleHarness(vm);
            console.waitFor("probe> ", PROBE_GUEST);
            new QmpHotplugScript(ANSWER, PROBE_GUEST).run(fixture.socket("compat"), new QmpHotplugScript.Guest() {
                @Override
                public void cpuInserted(String slot) {
                    console.waitFor("cpu " + slot + " online", PROBE_GUEST);
                }

                @Override
                public void cpuRemoved(String slot) {
                    console.waitFor("cpu " + slot + " ejected", PROBE_GUEST);
                }
            }, transcript);
        } finally {
            transcript.write(OUT, HOTVISOR);
        }
        return transcript;
    }
}
