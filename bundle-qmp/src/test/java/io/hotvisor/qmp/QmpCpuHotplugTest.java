package io.hotvisor.qmp;

import static io.hotvisor.qmp.QmpProtocolTest.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.VcpuDump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripted CPU hotplug of issue 5 over QMP, against the probe guest with the GED and CPU
 * hotplug capabilities: query-hotpluggable-cpus, device_add with the props it returned, the
 * guest brings the CPU online (ACPI_DEVICE_OST), device_del, the guest ejects it
 * (DEVICE_DELETED); then the legacy verbs and the power button.
 */
@KvmTest
class QmpCpuHotplugTest {
    private static final Duration GUEST = Duration.ofSeconds(30);
    /** A soak cycle's step takes milliseconds: longer means the guest stopped. */
    private static final Duration SOAK_STEP = Duration.ofSeconds(10);
    private static final Pattern CPU1_OR_REBOOT = Pattern.compile("cpu 1 (online|ejected)|Hotvisor probe guest");

    @TempDir
    Path data;
    private QmpFixture fixture;
    private Vm vm;
    private ConsoleHarness console;
    private QmpTestClient client;

    @BeforeEach
    void boot() throws Exception {
        fixture = new QmpFixture(data).withCpuHotplug();
        startVm();
    }

    private void startVm() throws Exception {
        vm = fixture.probe("hp", 1, 4, Map.of());
        vm.start();
        console = new ConsoleHarness(vm);
        console.waitFor("probe> ", GUEST);
        client = QmpTestClient.negotiated(fixture.socket("hp"));
    }

    @AfterEach
    void shutDown() throws Exception {
        client.close();
        fixture.close();
    }

    /** Skips events until one of {@code type} comes; returns its data. */
    private String awaitEvent(String type) {
        long deadline = System.nanoTime() + GUEST.toNanos();
        while (System.nanoTime() < deadline) {
            String line = client.line();
            if (line.contains("\"event\": \"" + type + "\"")) {
                return event(line, type);
            }
        }
        throw new AssertionError("no " + type + " event");
    }

    private JsonArray hotpluggable() throws Exception {
        return QmpTestClient.json(client.answer()).getAsJsonArray("return");
    }

    @Test
    void scriptedHotplugAsInQemusTranscript() throws Exception {
        client.send("{\"execute\": \"query-hotpluggable-cpus\"}\n");
        JsonArray cpus = hotpluggable();
        assertThat(cpus).hasSize(4);
        assertThat(cpus.get(0).toString()).isEqualTo("{\"props\":{\"core-id\":3,\"thread-id\":0,\"node-id\":0,\"socket-id\":0},"
                + "\"vcpus-count\":1,\"type\":\"host-x86_64-cpu\"}");
        assertThat(cpus.get(3).getAsJsonObject().get("qom-path").getAsString()).isEqualTo("/machine/unattached/device[0]");

        // device_add with the props QEMU's clients copy from the answer.
        JsonObject free = cpus.get(2).getAsJsonObject();
        JsonObject arguments = new JsonObject();
        arguments.addProperty("driver", free.get("type").getAsString());
        arguments.addProperty("id", "hcpu1");
        free.getAsJsonObject("props").entrySet().forEach(p -> arguments.add(p.getKey(), p.getValue()));
        client.send("{\"execute\": \"device_add\", \"arguments\": " + arguments + "}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": {}}");
        assertThat(awaitEvent("ACPI_DEVICE_OST")).isEqualTo(
                "{\"info\": {\"device\": \"hcpu1\", \"source\": 1, \"status\": 0, \"slot\": \"1\", \"slot-type\": \"CPU\"}}");
        console.waitFor("cpu 1 online", GUEST);

        client.send("{\"execute\": \"query-hotpluggable-cpus\"}\n");
        assertThat(hotpluggable().get(2).getAsJsonObject().get("qom-path").getAsString()).isEqualTo("/machine/peripheral/hcpu1");
        client.send("{\"execute\": \"query-cpus-fast\"}\n");
        JsonArray fast = QmpTestClient.json(client.answer()).getAsJsonArray("return");
        assertThat(fast).hasSize(2);
        assertThat(fast.get(1).getAsJsonObject().get("cpu-index").getAsInt()).isEqualTo(1);
        assertThat(fast.get(1).getAsJsonObject().get("thread-id").getAsLong()).isPositive();
        client.send("{\"execute\": \"query-acpi-ospm-status\"}\n");
        // Every possible CPU's slot, as QEMU lists them: the guest's last report, or none yet (0/0).
        assertThat(client.answer()).isEqualTo("{\"return\": [{\"source\": 0, \"status\": 0, \"slot\": \"0\", \"slot-type\": \"CPU\"}, "
                + "{\"device\": \"hcpu1\", \"source\": 1, \"status\": 0, \"slot\": \"1\", \"slot-type\": \"CPU\"}, "
                + "{\"source\": 0, \"status\": 0, \"slot\": \"2\", \"slot-type\": \"CPU\"}, "
                + "{\"source\": 0, \"status\": 0, \"slot\": \"3\", \"slot-type\": \"CPU\"}]}");

        client.send("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hcpu1\"}}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": {}}");
        assertThat(awaitEvent("DEVICE_DELETED")).isEqualTo("{\"device\": \"hcpu1\", \"path\": \"/machine/peripheral/hcpu1\"}");
        console.waitFor("cpu 1 ejected", GUEST);
        client.send("{\"execute\": \"query-hotpluggable-cpus\"}\n");
        assertThat(hotpluggable().get(2).getAsJsonObject().has("qom-path")).isFalse();
    }

    /**
     * Issue 14's soak: 1,000 CPU add/remove cycles over QMP with the client attached. After 100
     * warm-up cycles the container's fds and threads stay where they were, and its RSS within the
     * JVM's own noise (a kept vCPU, its thread stack and kvm_run page, would add 900 times over).
     * The probe guest brings each CPU online and ejects it. In the lab the probe guest
     * triple-faults, or stops with a vCPU holding L1's state, once in 200-1000 cycles (up to 5 in
     * one run), just after CPU 1 came online: the lab's emulator fault (lab/README.md,
     * CpuHotplugProbeTest). The soak then goes on on a new VM and a new client, loudly, with the
     * console and each vCPU's registers, since it measures the VMM; more than 30 such faults, or
     * a failure without their sign, fail it (then with the threads too).
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void aThousandAddRemoveCyclesLeaveFdsThreadsAndRssFlat() throws Exception {
        AtomicInteger guestResets = new AtomicInteger(); // to tell a reset from a stop in the report
        fixture.manager.addListener(new VmListener() {
            @Override
            public void event(VmEvent event) {
                if (event.payload() instanceof VmEvent.Reset reset && reset.guest()) {
                    guestResets.incrementAndGet();
                }
            }
        });
        Usage warm = null;
        int restarts = 0;
        for (int cycle = 0; cycle < 1000; cycle++) {
            if (cycle == 100) {
                warm = Usage.now();
            }
            int resets = guestResets.get();
            try {
                addAndRemove(cycle);
            } catch (AssertionError e) {
                boolean reset = guestResetWithin(guestResets, resets, Duration.ofSeconds(10));
                boolean l1State = !reset && vm.state() == VmState.RUNNING && VcpuDump.holdsL1State(vm);
                String diagnosis = e.getMessage() + "\n--- the last lines of " + vm.name() + "'s console ---\n"
                        + vm.console().recentOutput(20) + (reset ? "" : "\n--- vCPUs ---\n" + VcpuDump.of(vm));
                if (!reset && !l1State) {
                    throw new AssertionError("soak cycle " + cycle + " failed, with no sign of the lab's emulator fault: "
                            + diagnosis + "\n--- threads ---\n" + threadDump(), e);
                }
                restarts++;
                System.err.println("*** the probe guest " + (reset ? "reset itself" : "stopped, a vCPU holding L1's state")
                        + " at soak cycle " + cycle + " (the lab's emulator fault, lab/README.md); going on on a new VM: "
                        + diagnosis);
                assertThat(restarts).as("guest faults in the soak, the last: %s", diagnosis).isLessThanOrEqualTo(30);
                client.close();
                fixture.manager.destroy(vm.name());
                startVm();
            }
        }
        Usage after = Usage.now();
        System.err.println("soak: 1000 cycles, " + restarts + " guest resets or stops; after warm-up " + warm + ", at the end " + after);
        assertThat(after.fds).as("fds").isLessThanOrEqualTo(warm.fds);
        assertThat(after.threads).as("threads").isLessThanOrEqualTo(warm.threads);
        assertThat(after.rss - warm.rss).as("RSS growth over 900 cycles, bytes").isLessThan(32L << 20);
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
    }

    /**
     * device_add of CPU 1 until the guest has it online, device_del until DEVICE_DELETED. The
     * console waits end at once when the guest rebooted instead.
     */
    private void addAndRemove(int cycle) throws Exception {
        String id = "soak" + cycle;
        client.send("{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"host-x86_64-cpu\", \"id\": \"" + id
                + "\", \"core-id\": 1, \"socket-id\": 0, \"thread-id\": 0}}\n");
        assertThat(client.answer()).as("cycle %d: device_add", cycle).isEqualTo("{\"return\": {}}");
        awaitCpu1(cycle, "online");
        client.send("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"" + id + "\"}}\n");
        boolean answered = false;
        boolean deleted = false;
        while (!answered || !deleted) { // the event may come before the answer
            String line = client.line();
            if (line.startsWith("{\"timestamp\"")) {
                assertThat(line).as("cycle %d: an event", cycle).doesNotContain("\"event\": \"RESET\"");
                deleted |= line.contains("\"event\": \"DEVICE_DELETED\"") && line.contains("\"device\": \"" + id + "\"");
            } else {
                assertThat(line).as("cycle %d: device_del", cycle).isEqualTo("{\"return\": {}}");
                answered = true;
            }
        }
        awaitCpu1(cycle, "ejected");
    }

    private void awaitCpu1(int cycle, String what) {
        assertThat(console.waitFor(CPU1_OR_REBOOT, SOAK_STEP).group()).as("cycle %d", cycle).isEqualTo("cpu 1 " + what);
    }

    /** Whether the guest reset itself since {@code before} resets, waiting for one a rebuild may still publish. */
    private static boolean guestResetWithin(AtomicInteger guestResets, int before, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (guestResets.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return guestResets.get() > before;
    }

    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            dump.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                dump.append("    ").append(frame).append('\n');
            }
        });
        return dump.toString();
    }

    /** The container's fds, threads and RSS. */
    private record Usage(long fds, long threads, long rss) {
        static Usage now() throws IOException {
            long fds;
            try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
                fds = entries.count();
            }
            long rssKib = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
            return new Usage(fds, Thread.getAllStackTraces().size(), rssKib * 1024);
        }
    }

    @Test
    void legacyVerbsAndThePowerButton() throws Exception {
        // cpu-add with the id as a string, as Kata's client sends it.
        client.send("{\"execute\": \"cpu-add\", \"arguments\": {\"id\": \"2\"}}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": {}}");
        console.waitFor("cpu 2 online", GUEST);
        client.send("{\"execute\": \"cpu-add\", \"arguments\": {\"id\": 9}}\n");
        assertThat(client.answer()).contains("GenericError", "max-vcpus");

        client.send("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"cpu_set 2 offline\"}}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": \"\"}");
        console.waitFor("cpu 2 ejected", GUEST);
        // A CPU added by number is a device without id, and its removal is announced as any device's.
        assertThat(awaitEvent("DEVICE_DELETED")).isEqualTo("{\"path\": \"/machine/peripheral-anon/device[0]\"}");
        client.send("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"cpu_set 3 online\"}}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": \"\"}");
        console.waitFor("cpu 3 online", GUEST);
        client.send("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info hotpluggable-cpus\"}}\n");
        assertThat(client.answer()).startsWith("{\"return\": \"Hotpluggable CPUs:\\r\\n  type: \\\"host-x86_64-cpu\\\"\\r\\n"
                + "  vcpus_count: \\\"1\\\"\\r\\n  qom_path: \\\"/machine/peripheral-anon/device[1]\\\"\\r\\n  CPUInstance Properties:\\r\\n"
                + "    node-id: \\\"0\\\"\\r\\n    socket-id: \\\"0\\\"\\r\\n    core-id: \\\"3\\\"\\r\\n    thread-id: \\\"0\\\"\\r\\n");
        client.send("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"device_add host-x86_64-cpu,id=hc1,core-id=1\"}}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": \"\"}");
        console.waitFor("cpu 1 online", GUEST);
        client.send("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"device_del hc1\"}}\n");
        assertThat(client.answer()).isEqualTo("{\"return\": \"\"}");
        assertThat(awaitEvent("DEVICE_DELETED")).contains("\"device\": \"hc1\"");

        // The power button: POWERDOWN, and the probe guest powers off through ACPI.
        client.send("{\"execute\": \"system_powerdown\"}\n");
        assertThat(awaitEvent("POWERDOWN")).isNull(); // before the answer, as QEMU sends it
        assertThat(client.answer()).isEqualTo("{\"return\": {}}");
        assertThat(awaitEvent("SHUTDOWN")).isEqualTo("{\"guest\": true, \"reason\": \"guest-shutdown\"}");
        assertThat(vm.state()).isEqualTo(VmState.SHUTDOWN);
    }
}
