package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.VcpuDump;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a guest that floods {@code _OST} costs itself, not the QMP clients. The probe guest's
 * {@code abuse ost} writes 5,000 reports to each of the CPU and memory controllers, each one an
 * {@code ACPI_DEVICE_OST} event of the VM; a client that reads gets them rate-limited as QEMU
 * limits its events (per slot: the first {@value #BURST} of a one-second window at once, then the
 * latest one at the window's end, which opens the next window: at most {@value #BURST} a window),
 * stays connected and is answered.
 */
@KvmTest
class QmpOstFloodTest {
    private static final Duration GUEST = Duration.ofSeconds(120);
    /** EventThrottle.OST_BURST. */
    private static final int BURST = 4;
    /** Enough for the last window (1 s) to end and send what it kept. */
    private static final long SETTLE_MILLIS = 3000;

    @TempDir
    Path data;

    /**
     * The flood meets the lab's emulator fault now and then (lab/README.md: the probe guest
     * triple-faulted mid-flood in CI, 2026-12-07): after a guest reset, or a stop with a vCPU
     * holding L1's state, it runs once more on a new VM, loudly; the second run stands.
     */
    @Test
    void anOstFloodReachesAReadingClientRateLimited() throws Exception {
        try (QmpFixture fixture = new QmpFixture(data).withCpuHotplug().withMemHotplug()) {
            AtomicInteger guestResets = new AtomicInteger();
            fixture.manager.addListener(new VmListener() {
                @Override
                public void event(VmEvent event) {
                    if (event.payload() instanceof VmEvent.Reset reset && reset.guest()) {
                        guestResets.incrementAndGet();
                    }
                }
            });
            try {
                flood(fixture, "flood");
            } catch (AssertionError e) {
                Vm vm = fixture.manager.get("flood");
                if (guestResets.get() == 0 && !(vm.state() == VmState.RUNNING && VcpuDump.holdsL1State(vm))) {
                    throw e;
                }
                System.err.println("*** the probe guest met the lab's emulator fault during the flood (lab/README.md); once"
                        + " more on a new VM: " + e.getMessage().lines().findFirst().orElse(""));
                fixture.manager.destroy("flood");
                flood(fixture, "flood-again");
            }
        }
    }

    private static void flood(QmpFixture fixture, String name) throws Exception {
        Vm vm = fixture.probe(name, 1, 2, Map.of("hotplug-memory", "1G", "memory-slots", "2"));
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", GUEST);
        try (QmpTestClient client = QmpTestClient.negotiated(fixture.socket(name))) {
            long start = System.nanoTime();
            console.sendLine("abuse ost 5000");
            console.waitFor("abuse: ost done cpu 5000 mem 5000", GUEST);
            Thread.sleep(SETTLE_MILLIS);
            long windows = Duration.ofNanos(System.nanoTime() - start).toSeconds() + 1;

            client.send("{\"execute\": \"query-status\", \"id\": \"after\"}\r\n");
            int events = 0;
            String line;
            while (!(line = client.line()).startsWith("{\"return\"")) {
                if (line.contains("\"ACPI_DEVICE_OST\"")) {
                    events++;
                }
            }
            assertThat(line).contains("\"status\": \"running\"").contains("\"id\": \"after\"");
            // Two slots (CPU 0, DIMM slot 0), each at most the burst per window.
            assertThat(events).as("ACPI_DEVICE_OST events of 10,000 reports in %d s", windows)
                    .isBetween(2, 2 * BURST * (int) (windows + 1));
        }
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
    }
}
