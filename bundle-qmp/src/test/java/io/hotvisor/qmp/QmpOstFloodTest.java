package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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

    @Test
    void anOstFloodReachesAReadingClientRateLimited() throws Exception {
        try (QmpFixture fixture = new QmpFixture(data).withCpuHotplug().withMemHotplug()) {
            Vm vm = fixture.probe("flood", 1, 2, Map.of("hotplug-memory", "1G", "memory-slots", "2"));
            vm.start();
            ConsoleHarness console = new ConsoleHarness(vm);
            console.waitFor("probe> ", GUEST);
            try (QmpTestClient client = QmpTestClient.negotiated(fixture.socket("flood"))) {
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
}
