package io.hotvisor.qmp;

import static io.hotvisor.qmp.compat.QmpCompat.ANSWER;
import static io.hotvisor.qmp.compat.QmpCompat.HOTVISOR;
import static io.hotvisor.qmp.compat.QmpCompat.HOTVISOR_DIMM;
import static io.hotvisor.qmp.compat.QmpCompat.OUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.compat.QmpCompat;
import io.hotvisor.qmp.compat.QmpDimmScript;
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
 * The compatibility check, Hotvisor's half: {@link QmpHotplugScript} (issue 5; probe guest, 1 of 4
 * vCPUs) and {@link QmpDimmScript} (issue 12; probe guest with a 2 GiB hotplug region) against
 * Hotvisor, each compared with QEMU 7.2's answers to the same script as
 * {@link QemuQmpTranscriptTest} recorded them on the host: {@link QmpCompat#qemuTranscript()}
 * (system property {@value QmpCompat#QEMU_TRANSCRIPT_PROPERTY}, else
 * {@code target/qmp-compat/qemu-7.2.steps.json}) and {@link QmpCompat#qemuDimmTranscript()}
 * ({@value QmpCompat#QEMU_DIMM_TRANSCRIPT_PROPERTY}, else
 * {@code target/qmp-compat/qemu-7.2-dimm.steps.json}). The answers and events of each step must
 * have the same shapes but for {@link QmpShapeComparison#QEMU_7_2}. Hotvisor's transcripts and the
 * comparisons ({@code comparison.txt}, {@code comparison-dimm.txt}) are written to
 * {@code target/qmp-compat/} under the working directory.
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
        compare(qemu, hotvisor, QmpCompat.qemuTranscript(), "comparison.txt");
    }

    @Test
    void theScriptedDimmHotplugGetsAnswersOfQemu72sShape() throws Exception {
        QmpTranscript qemu = QmpCompat.readQemuDimmTranscript();
        QmpTranscript hotvisor = runDimmOnHotvisor();
        compare(qemu, hotvisor, QmpCompat.qemuDimmTranscript(), "comparison-dimm.txt");
    }

    private static void compare(QmpTranscript qemu, QmpTranscript hotvisor, Path qemuFile, String report) throws Exception {
        QmpShapeComparison comparison = new QmpShapeComparison(QmpShapeComparison.QEMU_7_2);
        QmpShapeComparison.Result result = comparison.compare(qemu, hotvisor);
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve(report), result.report() + "whitelist:\n" + comparison.describeWhitelist(),
                StandardCharsets.UTF_8);
        System.out.println(result.report());
        assertThat(result.differences())
                .as("QMP shapes that differ between QEMU 7.2 (" + qemuFile.toAbsolutePath()
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

    /**
     * The probe guest with a 2 GiB hotplug region (8 slots): it maps a hot-added DIMM, checks a
     * pattern across it and reports {@code mem slot N online}; on the eject request it sends
     * {@code _OST} 3/0x84, ejects and reports {@code mem slot N ejected} (probe-guest/README.md).
     * Linux's {@code memhp_default_state} is no matter here: the probe onlines what it is given.
     */
    private QmpTranscript runDimmOnHotvisor() throws Exception {
        QmpTranscript transcript = new QmpTranscript("Hotvisor (probe guest, KVM)");
        try (QmpFixture fixture = new QmpFixture(data.resolve("hotvisor-dimm")).withMemHotplug()) {
            Vm vm = fixture.probe("dimm", 1, 1, Map.of("hotplug-memory", "2G"));
            vm.start();
            ConsoleHarness console = new ConsoleHarness(vm);
            console.waitFor("probe> ", PROBE_GUEST);
            new QmpDimmScript(ANSWER, PROBE_GUEST).run(fixture.socket("dimm"), new QmpDimmScript.Guest() {
                @Override
                public void dimmInserted(String slot) {
                    console.waitFor("mem slot " + slot + " online", PROBE_GUEST);
                }

                @Override
                public void dimmRemoved(String slot) {
                    console.waitFor("mem slot " + slot + " ejected", PROBE_GUEST);
                }
            }, transcript);
        } finally {
            transcript.write(OUT, HOTVISOR_DIMM);
        }
        return transcript;
    }
}
