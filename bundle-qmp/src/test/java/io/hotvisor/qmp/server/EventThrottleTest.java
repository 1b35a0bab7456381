package io.hotvisor.qmp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.VmEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** QEMU's event rate limiting and the _OST one, on a fake clock. */
class EventThrottleTest {
    private final FakeTicker ticker = new FakeTicker();
    private final List<VmEvent> sent = new CopyOnWriteArrayList<>();
    private final EventThrottle throttle = new EventThrottle(ticker, sent::add);

    private static VmEvent ost(String slot, int status) {
        return new VmEvent("vm", Instant.EPOCH,
                new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo(null, slot, "CPU", 0x3, status)));
    }

    private static VmEvent event(String name, Map<String, Object> data) {
        return new VmEvent("vm", Instant.EPOCH, new VmEvent.Payload() {
            @Override
            public String qmpName() {
                return name;
            }

            @Override
            public Map<String, Object> qmpData() {
                return data;
            }
        });
    }

    /** Audit row 8: a guest's _OST loop reaches clients as a handful of events a second, the last one among them. */
    @Test
    void row8AnOstFloodIsAHandfulPerSecondAndTheLastOneArrives() {
        for (int i = 0; i < 5000; i++) {
            throttle.publish(ost("1", i));
        }
        assertThat(sent).containsExactly(ost("1", 0), ost("1", 1), ost("1", 2), ost("1", 3));
        ticker.advance(Duration.ofMillis(999));
        assertThat(sent).hasSize(EventThrottle.OST_BURST);
        ticker.advance(Duration.ofMillis(1));
        assertThat(sent).hasSize(EventThrottle.OST_BURST + 1).last().isEqualTo(ost("1", 4999));
        // The window the last one opened ends with nothing kept; the next report goes at once.
        ticker.advance(Duration.ofSeconds(5));
        throttle.publish(ost("1", 7));
        assertThat(sent).hasSize(EventThrottle.OST_BURST + 2).last().isEqualTo(ost("1", 7));
    }

    @Test
    void eachSlotHasItsOwnWindow() {
        for (int i = 0; i < 10; i++) {
            throttle.publish(ost("1", i));
            throttle.publish(ost("2", i));
        }
        assertThat(sent).hasSize(2 * EventThrottle.OST_BURST);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(sent.subList(2 * EventThrottle.OST_BURST, sent.size())).containsExactlyInAnyOrder(ost("1", 9), ost("2", 9));
    }

    @Test
    void qemusLimitedEventsGoOncePerSecondKeyedAsQemuKeysThem() {
        VmEvent first = event("BALLOON_CHANGE", Map.of("actual", 1));
        VmEvent second = event("BALLOON_CHANGE", Map.of("actual", 2));
        VmEvent third = event("BALLOON_CHANGE", Map.of("actual", 3));
        VmEvent otherDevice = event("MEMORY_DEVICE_SIZE_CHANGE", Map.of("qom-path", "/m/b", "size", 1));
        throttle.publish(first);
        throttle.publish(second);
        throttle.publish(third);
        throttle.publish(event("MEMORY_DEVICE_SIZE_CHANGE", Map.of("qom-path", "/m/a", "size", 1)));
        throttle.publish(otherDevice);
        assertThat(sent).hasSize(3).contains(first, otherDevice);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(sent).hasSize(4).last().isEqualTo(third);
    }

    @Test
    void otherEventsAreNeverHeldBack() {
        for (int i = 0; i < 100; i++) {
            throttle.publish(event("DEVICE_DELETED", Map.of("path", "/machine/peripheral/d" + i)));
        }
        assertThat(sent).hasSize(100);
    }
}
