package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.protocol.QmpSession;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Negotiation, dispatch, errors and answers of one session, without sockets or KVM. */
class QmpSessionTest {
    @TempDir
    Path data;
    private QmpService service;
    private FakeVm fake;
    private final List<String> out = new ArrayList<>();
    private QmpSession session;

    @BeforeEach
    void setUp() {
        service = new QmpService(data, new QmpServices("Hotvisor test"));
        fake = new FakeVm("unit", 1, 1, service::event);
        session = new QmpSession(fake.vm, service.services(), service.registry(), out::add, false);
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private String send(String json) {
        out.clear();
        byte[] bytes = (json + "\n").getBytes(StandardCharsets.UTF_8);
        session.feed(bytes, 0, bytes.length);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private void negotiate() {
        assertThat(send("{\"execute\": \"qmp_capabilities\"}")).isEqualTo("{\"return\": {}}");
    }

    @Test
    void greetingOffersNoCapabilities() {
        assertThat(io.hotvisor.qmp.protocol.JsonWriter.write(QmpSession.greeting(service.services()))).isEqualTo(
                "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"Hotvisor test\"},"
                        + " \"capabilities\": []}}");
    }

    @Test
    void negotiationComesFirstAndOnlyOnce() {
        assertThat(send("{\"execute\":\"query-status\"}")).isEqualTo(
                "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
        assertThat(send("{\"execute\":\"qmp_capabilities\",\"id\":\"neg\"}")).isEqualTo("{\"return\": {}, \"id\": \"neg\"}");
        assertThat(send("{\"execute\":\"qmp_capabilities\"}")).isEqualTo(
                "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation is already complete, command ignored\"}}");
    }

    @Test
    void oobCannotBeEnabled() {
        assertThat(send("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}")).isEqualTo(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capability oob not available\"}}");
        assertThat(send("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"x\"]}}")).contains(
                "Parameter 'enable[0]' does not accept value 'x'");
    }

    @Test
    void idIsEchoedVerbatimWithTheAnswer() {
        negotiate();
        assertThat(send("{\"execute\":\"query-status\",\"id\":[1,{\"x\":2}]}")).isEqualTo(
                "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": [1, {\"x\": 2}]}");
        assertThat(send("{\"execute\":\"nope\",\"id\":1.50}")).isEqualTo(
                "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}, \"id\": 1.50}");
    }

    @Test
    void malformedRequests() {
        negotiate();
        assertThat(send("[1]")).contains("\"GenericError\"", "QMP input must be a JSON object");
        assertThat(send("{\"id\": 3}")).isEqualTo(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}, \"id\": 3}");
        assertThat(send("{\"execute\": 1}")).contains("QMP input member 'execute' must be a string");
        assertThat(send("{\"execute\": \"stop\", \"arguments\": []}")).contains("QMP input member 'arguments' must be an object");
        assertThat(send("{\"execute\": \"stop\", \"exec-oob\": \"x\"}")).contains("QMP input member 'exec-oob' is unexpected");
        assertThat(send("{\"execute\":\"query-status\",\"arguments\":{\"x\":1}}")).isEqualTo(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'x' is unexpected\"}}");
        assertThat(send("{\"execute\":\"device_del\"}")).contains("Parameter 'id' is missing");
        assertThat(send("{\"execute\":\"device_del\",\"arguments\":{\"id\":5}}")).contains(
                "Invalid parameter type for 'id', expected: string");
    }

    /**
     * Audit row 18: two clients sending {@code stop} and {@code cont} at once both get an empty
     * return, as from QEMU, where stopping a paused VM or continuing a running one does nothing;
     * a VM in prelaunch leaves it once, with one RESUME.
     */
    @Test
    void concurrentStopAndContFromTwoClientsAreNoOpsForTheLoser() throws InterruptedException {
        fake.jitter = true;
        List<String> commands = List.of("stop", "cont");
        Random random = new Random(18);
        for (int round = 0; round < 2000; round++) {
            VmState initial = List.of(VmState.RUNNING, VmState.PAUSED, VmState.CREATED).get(random.nextInt(3));
            fake.state = initial;
            fake.events.clear();
            String first = initial == VmState.CREATED ? "cont" : commands.get(random.nextInt(2));
            String second = initial == VmState.CREATED ? "cont" : commands.get(random.nextInt(2));
            List<String> answers = new CopyOnWriteArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> clients = new ArrayList<>();
            for (String command : List.of(first, second)) {
                QmpSession client = new QmpSession(fake.vm, service.services(), service.registry(), answers::add, true);
                byte[] bytes = ("{\"execute\":\"" + command + "\"}\n").getBytes(StandardCharsets.UTF_8);
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    client.feed(bytes, 0, bytes.length);
                });
                thread.start();
                clients.add(thread);
            }
            go.countDown();
            for (Thread client : clients) {
                client.join();
            }
            assertThat(answers).as("round %d: %s and %s from %s", round, first, second, initial)
                    .containsExactly("{\"return\": {}}", "{\"return\": {}}");
            if (first.equals(second)) {
                assertThat(fake.state).isEqualTo(first.equals("stop") ? VmState.PAUSED : VmState.RUNNING);
            }
            if (initial == VmState.CREATED) {
                assertThat(fake.events).extracting(event -> event.payload().getClass().getSimpleName())
                        .containsExactly("Resume");
            }
        }
    }

    @Test
    void statusNamesAreQemus() {
        negotiate();
        fake.state = VmState.CREATED;
        assertThat(send("{\"execute\":\"query-status\"}")).contains("\"status\": \"prelaunch\"", "\"running\": false");
        fake.state = VmState.FAILED;
        assertThat(send("{\"execute\":\"query-status\"}")).contains("\"internal-error\"");
        fake.state = VmState.STOPPED;
        assertThat(send("{\"execute\":\"query-status\"}")).contains("\"shutdown\"");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\"}}"))
                .isEqualTo("{\"return\": \"VM status: paused (shutdown)\\r\\n\"}");
        assertThat(send("{\"execute\":\"cont\"}")).contains("Resetting the Virtual Machine is required");
        fake.state = VmState.PAUSED;
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\"}}"))
                .isEqualTo("{\"return\": \"VM status: paused\\r\\n\"}");
    }

    @Test
    void quitStopsTheVmWithQemusReasonAndEndsTheSession() {
        negotiate();
        assertThat(send("{\"execute\":\"quit\"}")).isEqualTo("{\"return\": {}}");
        assertThat(fake.state).isEqualTo(VmState.STOPPED);
        assertThat(fake.events).hasSize(1); // the core's one SHUTDOWN, no duplicate
        assertThat(session.closing()).isTrue();
    }

    /** Audit row 21: QMP cpu-add and HMP cpu_set take CPU ids, and a negative one is none. */
    @Test
    void negativeCpuIdsAreRefused() {
        negotiate();
        assertThat(send("{\"execute\":\"cpu-add\",\"arguments\":{\"id\":-3}}")).isEqualTo(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid CPU id: -3\"}}");
        assertThat(send("{\"execute\":\"cpu-add\",\"arguments\":{\"id\":\"-1\"}}")).contains("Invalid CPU id: -1");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"cpu_set -3 online\"}}"))
                .isEqualTo("{\"return\": \"Error: Invalid CPU id: -3\\r\\n\"}");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"cpu_set -1 offline\"}}"))
                .isEqualTo("{\"return\": \"Error: Invalid CPU id: -1\\r\\n\"}");
    }

    @Test
    void missingCapabilitiesAreNamed() {
        negotiate();
        assertThat(send("{\"execute\":\"system_powerdown\"}")).isEqualTo("{\"error\": {\"class\": \"GenericError\", "
                + "\"desc\": \"not supported: the ACPI power button (capability acpi-ged) is not installed\"}}");
        assertThat(send("{\"execute\":\"cpu-add\",\"arguments\":{\"id\":\"1\"}}")).contains(
                "not supported: CPU hotplug (capability cpu-hotplug) is not installed");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"cpu_set 1 online\"}}"))
                .isEqualTo("{\"return\": \"Error: not supported: CPU hotplug (capability cpu-hotplug) is not installed\\r\\n\"}");
        assertThat(send("{\"execute\":\"query-balloon\"}")).isEqualTo(
                "{\"error\": {\"class\": \"DeviceNotActive\", \"desc\": \"No balloon device has been activated\"}}");
    }

    @Test
    void queryPciAndInfoPciDescribeTheVmsBus() {
        negotiate();
        fake.pci = FakePciBus.sample();

        assertThat(send("{\"execute\":\"query-pci\"}")).startsWith("{\"return\": [{\"bus\": 0, \"devices\": [")
                .contains("\"qdev_id\": \"disk0\", \"irq\": 19, \"slot\": 3");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info pci\"}}"))
                .startsWith("{\"return\": \"  Bus  0, device   0, function 0:\\r\\n    Host bridge: PCI device 1b36:0008")
                .contains("      id \\\"disk0\\\"\\r\\n");
    }

    @Test
    void queryPciOfAVmThatIsNotRunningSaysSo() {
        negotiate();
        fake.state = VmState.STOPPED;

        assertThat(send("{\"execute\":\"query-pci\"}")).isEqualTo(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"unit is not running (state stopped)\"}}");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info pci\"}}"))
                .isEqualTo("{\"return\": \"Error: unit is not running (state stopped)\\r\\n\"}");
    }

    @Test
    void coreFailuresMapToTheirErrorClasses() {
        service.registry().register("x-kvm-cap", (context, args) -> {
            throw new VmException("KVM lacks the capability KVM_CAP_X");
        });
        negotiate();
        assertThat(send("{\"execute\":\"x-kvm-cap\"}")).isEqualTo(
                "{\"error\": {\"class\": \"KVMMissingCap\", \"desc\": \"KVM lacks the capability KVM_CAP_X\"}}");
    }

    @Test
    void cpusFromTheSpecWhenTheMachineIsDown() {
        negotiate();
        fake.state = VmState.CREATED;
        assertThat(send("{\"execute\":\"query-cpus-fast\"}")).isEqualTo("{\"return\": [{\"thread-id\": 0, \"props\": "
                + "{\"core-id\": 0, \"thread-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"qom-path\": "
                + "\"/machine/unattached/device[0]\", \"cpu-index\": 0, \"target\": \"x86_64\"}]}");
    }

    @Test
    void memoryBackendsAreCreatedListedAndDeletedAsQemuDoes() {
        negotiate();
        assertThat(send("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\","
                + "\"props\":{\"size\":1073741824}}}")).isEqualTo("{\"return\": {}}");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":"
                + "\"object_add memory-backend-memfd,id=m2,size=128M\"}}")).isEqualTo("{\"return\": \"\"}");
        assertThat(send("{\"execute\":\"query-memdev\"}")).isEqualTo("{\"return\": [{\"id\": \"m1\", \"size\": 1073741824,"
                + " \"merge\": false, \"dump\": true, \"prealloc\": false, \"share\": false, \"host-nodes\": [],"
                + " \"policy\": \"default\"}, {\"id\": \"m2\", \"size\": 134217728, \"merge\": false, \"dump\": true,"
                + " \"prealloc\": false, \"share\": true, \"host-nodes\": [], \"policy\": \"default\"}]}");
        assertThat(send("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\","
                + "\"size\":1048576}}")).contains("attempt to add duplicate property 'm1'");
        assertThat(send("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"secret\",\"id\":\"s\"}}"))
                .contains("Parameter 'qom-type' does not accept value 'secret'");
        assertThat(send("{\"execute\":\"object-del\",\"arguments\":{\"id\":\"m1\"}}")).isEqualTo("{\"return\": {}}");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"object_del m1\"}}"))
                .isEqualTo("{\"return\": \"Error: object 'm1' not found\\r\\n\"}");
        fake.backends.close();
    }

    @Test
    void unknownHmpVerbs() {
        negotiate();
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"frobnicate 1\"}}"))
                .isEqualTo("{\"return\": \"unknown command: 'frobnicate'\\r\\n\"}");
        assertThat(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info usb\"}}"))
                .contains("not supported", "device manager");
    }
}
