package io.hotvisor.qmp.server;

import io.hotvisor.vmm.api.VmEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * QEMU 7.2's event rate limiting (monitor/monitor.c, {@code monitor_qapi_event_conf}), so that a
 * guest that repeats an event costs itself and not the clients. Per event and key: the first
 * event is sent at once and opens a one-second window; during the window the latest event is
 * kept, replacing any kept before, and sent when the window ends, which opens the next.
 * <p>
 * The events QEMU limits, keyed as QEMU keys them, and {@code ACPI_DEVICE_OST}, which QEMU does
 * not limit but a guest can write in a loop: keyed by slot, with the first {@value #OST_BURST} of
 * a window sent at once so that a hotplug's reports (insert, eject in progress, ejected) arrive
 * unchanged and in order.
 */
final class EventThrottle {
    static final long WINDOW_NANOS = 1_000_000_000L;
    static final int OST_BURST = 4;

    /** How many events of a window go at once, and what in an event's data tells its keys apart. */
    private record Rule(int burst, Function<Map<String, Object>, Object> key) {
    }

    private record Key(String event, Object member) {
    }

    private static final Function<Map<String, Object>, Object> ONE_KEY = data -> null;

    private static final Map<String, Rule> RULES = Map.of(
            "RTC_CHANGE", new Rule(1, ONE_KEY),
            "WATCHDOG", new Rule(1, ONE_KEY),
            "BALLOON_CHANGE", new Rule(1, ONE_KEY),
            "QUORUM_REPORT_BAD", new Rule(1, data -> data.get("node-name")),
            "QUORUM_FAILURE", new Rule(1, ONE_KEY),
            "VSERPORT_CHANGE", new Rule(1, data -> data.get("id")),
            "MEMORY_DEVICE_SIZE_CHANGE", new Rule(1, data -> data.get("qom-path")),
            "ACPI_DEVICE_OST", new Rule(OST_BURST, EventThrottle::ostSlot));

    /** A window that is open: how many events it sent, and the one it keeps for its end. */
    private static final class Window {
        int sent;
        VmEvent kept;
    }

    private final Ticker ticker;
    private final Consumer<VmEvent> emit;
    private final Map<Key, Window> windows = new HashMap<>();

    /** Events go to {@code emit}, in order for each key, never two at once. */
    EventThrottle(Ticker ticker, Consumer<VmEvent> emit) {
        this.ticker = ticker;
        this.emit = emit;
    }

    private static Object ostSlot(Map<String, Object> data) {
        return data.get("info") instanceof Map<?, ?> info ? List.of(String.valueOf(info.get("slot-type")),
                String.valueOf(info.get("slot"))) : null;
    }

    synchronized void publish(VmEvent event) {
        Rule rule = RULES.get(event.type());
        if (rule == null) {
            emit.accept(event);
            return;
        }
        Key key = new Key(event.type(), rule.key().apply(event.data()));
        Window window = windows.get(key);
        if (window == null) {
            window = new Window();
            windows.put(key, window);
            open(key, window);
        }
        if (window.sent < rule.burst()) {
            window.sent++;
            emit.accept(event);
        } else {
            window.kept = event;
        }
    }

    private void open(Key key, Window window) {
        ticker.schedule(() -> end(key, window), WINDOW_NANOS);
    }

    private synchronized void end(Key key, Window window) {
        if (window.kept == null) {
            windows.remove(key);
            return;
        }
        VmEvent kept = window.kept;
        window.kept = null;
        window.sent = 1;
        open(key, window);
        emit.accept(kept);
    }
}
