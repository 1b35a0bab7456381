package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.protocol.ErrorClass;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * QMP over the real UNIX socket of a VM running the probe guest: the exchanges of QEMU 7.2's
 * transcripts (../shared/reference/qmp-qemu-transcripts.md), byte for byte where QEMU's answer
 * does not depend on the machine.
 */
@KvmTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QmpProtocolTest {
    private static final Duration GUEST = Duration.ofSeconds(30);
    private static final Pattern EVENT = Pattern.compile(
            "\\{\"timestamp\": \\{\"seconds\": \\d+, \"microseconds\": \\d+}, \"event\": \"([A-Z_]+)\"(, \"data\": (.*))?}");

    @TempDir
    static Path data;
    private QmpFixture fixture;
    private Vm vm;
    private Path socket;
    private ConsoleHarness console;

    @BeforeAll
    void boot() {
        fixture = new QmpFixture(data);
        fixture.qmp.registry().register("x-test-kvm-cap", (context, args) -> {
            throw new VmException("KVM lacks the capability KVM_CAP_TEST");
        });
        vm = fixture.probe("proto");
        vm.start();
        console = new ConsoleHarness(vm);
        console.waitFor("probe> ", GUEST);
        socket = fixture.socket("proto");
    }

    @AfterAll
    void shutDown() throws InterruptedException {
        fixture.close();
        assertThat(QmpThreads.aliveAfter(Duration.ofSeconds(2))).isEmpty();
    }

    /** Asserts the line is an event of that type and returns its data (or null). */
    static String event(String line, String type) {
        var matcher = EVENT.matcher(line);
        assertThat(matcher.matches()).as("an event: " + line).isTrue();
        assertThat(matcher.group(1)).isEqualTo(type);
        return matcher.group(3);
    }

    private void assertGuestEchoes(String text) {
        console.sendLine(text);
        console.waitFor("you typed: " + text, GUEST);
    }

    @Test
    void greetingNegotiationAndIdEcho() throws Exception {
        try (QmpTestClient client = QmpTestClient.unix(socket)) {
            assertThat(client.line()).isEqualTo("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
                    + "\"package\": \"Hotvisor test\"}, \"capabilities\": []}}");
            assertThat(client.command("{\"execute\":\"query-status\"}")).isEqualTo("{\"error\": {\"class\": \"CommandNotFound\", "
                    + "\"desc\": \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
            assertThat(client.command("{\"execute\":\"qmp_capabilities\",\"id\":\"neg\"}")).isEqualTo("{\"return\": {}, \"id\": \"neg\"}");
            assertThat(client.command("{\"execute\":\"qmp_capabilities\"}")).isEqualTo("{\"error\": {\"class\": \"CommandNotFound\", "
                    + "\"desc\": \"Capabilities negotiation is already complete, command ignored\"}}");
            assertThat(client.command("{\"execute\":\"query-status\",\"id\":[1,{\"x\":2}]}")).isEqualTo(
                    "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": [1, {\"x\": 2}]}");
            assertThat(client.command("{\"execute\":\"query-version\",\"id\":{\"n\":null,\"f\":-1.25e2,\"s\":\"\\u00e9\"}}"))
                    .isEqualTo("{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"Hotvisor test\"}, "
                            + "\"id\": {\"n\": null, \"f\": -1.25e2, \"s\": \"\\u00E9\"}}");
            // Kata's client sends no id, and single-quoted strings are QEMU's extension.
            assertThat(client.command("{'execute': 'query-name'}")).isEqualTo("{\"return\": {\"name\": \"proto\"}}");
            assertThat(client.command("{\"execute\":\"query-commands\"}")).contains("{\"name\": \"device_add\"}",
                    "{\"name\": \"query-hotpluggable-cpus\"}", "{\"name\": \"human-monitor-command\"}");
        }
    }

    @Test
    void everyErrorClass() throws Exception {
        try (QmpTestClient client = QmpTestClient.negotiated(socket)) {
            assertThat(client.command("{\"execute\":\"no-such-command\"}")).isEqualTo(
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command no-such-command has not been found\"}}");
            assertThat(client.command("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"nope\"}}")).isEqualTo(
                    "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'nope' not found\"}}");
            assertThat(client.command("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"no-such-driver\",\"id\":\"x\"}}"))
                    .isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"'no-such-driver' is not a valid device model name\"}}");
            assertThat(client.command("{\"execute\":\"query-status\",\"arguments\":{\"x\":1}}")).isEqualTo(
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'x' is unexpected\"}}");
            assertThat(client.command("{\"execute\":\"balloon\",\"arguments\":{\"value\":1073741824}}")).isEqualTo(
                    "{\"error\": {\"class\": \"DeviceNotActive\", \"desc\": \"No balloon device has been activated\"}}");
            assertThat(client.command("{\"execute\":\"x-test-kvm-cap\",\"id\":7}")).isEqualTo(
                    "{\"error\": {\"class\": \"KVMMissingCap\", \"desc\": \"KVM lacks the capability KVM_CAP_TEST\"}, \"id\": 7}");
            assertThat(Arrays.stream(ErrorClass.values()).map(Enum::name)).containsExactlyInAnyOrder(
                    "GenericError", "CommandNotFound", "DeviceNotFound", "DeviceNotActive", "KVMMissingCap");
            // Features that are not installed are named, as the features repository lists them.
            assertThat(client.command("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"host-x86_64-cpu\",\"id\":\"c1\",\"core-id\":1}}"))
                    .isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"device model 'host-x86_64-cpu' needs feature"
                            + " hotvisor-cpu-hotplug, which is not installed (feature:install hotvisor-cpu-hotplug)\"}}");
            assertThat(client.command("{\"execute\":\"system_powerdown\"}")).isEqualTo("{\"error\": {\"class\": \"GenericError\", "
                    + "\"desc\": \"not supported: the ACPI power button (capability acpi-ged) is not installed\"}}");
            // Memory backends are the core's: created and deleted by id, refused twice.
            assertThat(client.command("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"mem1\",\"size\":268435456}}"))
                    .isEqualTo("{\"return\": {}}");
            assertThat(client.command("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"mem1\",\"size\":268435456}}"))
                    .isEqualTo("{\"error\": {\"class\": \"GenericError\", "
                            + "\"desc\": \"attempt to add duplicate property 'mem1' to object (type 'container')\"}}");
            assertThat(client.command("{\"execute\":\"object-del\",\"arguments\":{\"id\":\"mem1\"}}")).isEqualTo("{\"return\": {}}");
        }
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
    }

    @Test
    void parserRecoversAfterGarbageAsQemuDoes() throws Exception {
        try (QmpTestClient client = QmpTestClient.negotiated(socket)) {
            client.send("{\"execute\": \"query-status\"\r\n}}}garbage\r\n");
            assertThat(client.line()).isEqualTo("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}");
            assertThat(client.line()).isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}");
            assertThat(client.line()).isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}");
            assertThat(client.line()).isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'garbage'\"}}");
            client.send("{\"execute\": @\"query-status\"}\n");
            assertThat(client.line()).isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '@'\"}}");
            assertThat(client.line()).isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}");
            assertThat(client.command("{\"execute\":\"query-version\"}")).startsWith("{\"return\": {\"qemu\"");
            // A command split across writes, and two in one write.
            client.send("{\"execute\":");
            Thread.sleep(50);
            client.send("\"query-name\"}{\"execute\":\"query-kvm\"}\n");
            assertThat(client.line()).isEqualTo("{\"return\": {\"name\": \"proto\"}}");
            assertThat(client.line()).isEqualTo("{\"return\": {\"enabled\": true, \"present\": true}}");
        }
    }

    @Test
    void twoClientsEachNegotiateAndOnlyNegotiatedOnesGetEvents() throws Exception {
        try (QmpTestClient a = QmpTestClient.negotiated(socket); QmpTestClient b = QmpTestClient.unix(socket)) {
            assertThat(b.line()).startsWith("{\"QMP\"");
            assertThat(b.command("{\"execute\":\"query-status\"}")).contains("Expecting capabilities negotiation");

            a.send("{\"execute\":\"stop\",\"id\":\"s\"}\n");
            assertThat(event(a.line(), "STOP")).isNull();
            assertThat(a.line()).isEqualTo("{\"return\": {}, \"id\": \"s\"}");
            assertThat(a.command("{\"execute\":\"query-status\"}")).isEqualTo(
                    "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}}");

            // b saw no STOP: its next line answers its own command.
            assertThat(b.command("{\"execute\":\"qmp_capabilities\"}")).isEqualTo("{\"return\": {}}");
            assertThat(b.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\"}}"))
                    .isEqualTo("{\"return\": \"VM status: paused\\r\\n\"}");

            b.send("{\"execute\":\"cont\"}\n");
            assertThat(event(b.line(), "RESUME")).isNull();
            assertThat(b.line()).isEqualTo("{\"return\": {}}");
            assertThat(event(a.line(), "RESUME")).isNull();
        }
        assertGuestEchoes("after stop and cont");
    }

    @Test
    void systemResetRebootsWithAResetEvent() throws Exception {
        try (QmpTestClient client = QmpTestClient.negotiated(socket)) {
            console.skipExisting();
            client.send("{\"execute\":\"system_reset\"}\n");
            assertThat(event(client.line(), "RESET")).isEqualTo("{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
            assertThat(client.line()).isEqualTo("{\"return\": {}}");
            console.waitFor("Hotvisor probe guest", GUEST);
            console.waitFor("probe> ", GUEST);
        }
        assertGuestEchoes("after reset");
    }

    @Test
    void cpusOfARunningVm() throws Exception {
        try (QmpTestClient client = QmpTestClient.negotiated(socket)) {
            String fast = client.command("{\"execute\":\"query-cpus-fast\"}");
            assertThat(fast).matches("\\{\"return\": \\[\\{\"thread-id\": [1-9]\\d*, \"props\": \\{\"core-id\": 0, \"thread-id\": 0, "
                    + "\"node-id\": 0, \"socket-id\": 0}, \"qom-path\": \"/machine/unattached/device\\[0]\", \"cpu-index\": 0, "
                    + "\"target\": \"x86_64\"}]}");
            assertThat(client.command("{\"execute\":\"query-hotpluggable-cpus\"}")).isEqualTo("{\"return\": [{\"props\": "
                    + "{\"core-id\": 0, \"thread-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"vcpus-count\": 1, "
                    + "\"qom-path\": \"/machine/unattached/device[0]\", \"type\": \"host-x86_64-cpu\"}]}");
            assertThat(client.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info cpus\"}}"))
                    .matches("\\{\"return\": \"\\* CPU #0: thread_id=[1-9]\\d*\\\\r\\\\n\"}");
            assertThat(client.command("{\"execute\":\"query-acpi-ospm-status\"}")).isEqualTo("{\"return\": []}");
            // The running vCPU leaves KVM_RUN for the read: the probe guest's 64-bit code segment, long mode in EFER.
            String registers = client.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info registers\"}}");
            assertThat(registers).startsWith("{\"return\": \"RAX=").contains("\\r\\nRIP=", "\\r\\nCS =0010\\r\\n")
                    .containsPattern("R15=[0-9a-f]{16}\\\\r\\\\nRIP=[0-9a-f]{16} RFL=[0-9a-f]{8} \\[[-DOSZAPC]{7}] CPL=0 HLT=[01]\\\\r\\\\n");
            Matcher efer = Pattern.compile("EFER=([0-9a-f]{16})").matcher(registers);
            assertThat(efer.find()).as(registers).isTrue();
            assertThat(Long.parseLong(efer.group(1), 16) & 0x400).as("EFER.LMA").isNotZero();
            assertThat(client.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info registers -a\"}}"))
                    .startsWith("{\"return\": \"\\r\\nCPU#0\\r\\nRAX=");
            // A paused VM's vCPU answers too, and stays paused.
            client.send("{\"execute\":\"stop\"}\n");
            assertThat(client.answer()).isEqualTo("{\"return\": {}}");
            client.send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info  registers\"}}\n");
            assertThat(client.answer()).startsWith("{\"return\": \"RAX=");
            client.send("{\"execute\":\"query-status\"}\n");
            assertThat(client.answer()).isEqualTo("{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}}");
            client.send("{\"execute\":\"cont\"}\n");
            assertThat(client.answer()).isEqualTo("{\"return\": {}}");
        }
        assertGuestEchoes("after info registers");
    }

    @Test
    void contStartsAVmInPrelaunch() throws Exception {
        Vm later = fixture.probe("later");
        try (QmpTestClient client = QmpTestClient.negotiated(fixture.socket("later"))) {
            assertThat(client.command("{\"execute\":\"query-status\"}")).isEqualTo(
                    "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}}");
            client.send("{\"execute\":\"cont\"}\n");
            assertThat(event(client.line(), "RESUME")).isNull();
            assertThat(client.line()).isEqualTo("{\"return\": {}}");
            new ConsoleHarness(later).waitFor("probe> ", GUEST);
            assertThat(client.command("{\"execute\":\"query-status\"}")).contains("\"status\": \"running\"");
        }
        fixture.manager.destroy("later");
    }

    @Test
    void quitStopsTheVmWithHostQmpQuitAndClosesTheConnection() throws Exception {
        Vm quitter = fixture.probe("quitter");
        quitter.start();
        new ConsoleHarness(quitter).waitFor("probe> ", GUEST);
        Path quitSocket = fixture.socket("quitter");
        try (QmpTestClient watcher = QmpTestClient.negotiated(quitSocket);
             QmpTestClient client = QmpTestClient.negotiated(quitSocket)) {
            client.send("{\"execute\": \"quit\"}\n");
            assertThat(event(client.line(), "SHUTDOWN")).isEqualTo("{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
            assertThat(client.line()).isEqualTo("{\"return\": {}}");
            assertThat(client.closedByServer(Duration.ofSeconds(5))).isTrue();
            assertThat(event(watcher.line(), "SHUTDOWN")).isEqualTo("{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
            assertThat(quitter.state()).isEqualTo(VmState.STOPPED);
        }
        try (QmpTestClient again = QmpTestClient.negotiated(quitSocket)) {
            assertThat(again.command("{\"execute\":\"query-status\"}")).isEqualTo(
                    "{\"return\": {\"status\": \"shutdown\", \"singlestep\": false, \"running\": false}}");
        }
        fixture.manager.destroy("quitter");
    }
}
