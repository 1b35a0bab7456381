package io.hotvisor.qmp.compat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Compares two runs of {@link QmpHotplugScript} step by step by {@link QmpShapes shape}: the
 * command sent, the answer, the events that came during the step (as a multiset of shapes, order
 * ignored), and whether the server closed the connection. Differences listed in the whitelist
 * ({@link #QEMU_7_2}) are accepted and counted; any other is reported.
 */
public final class QmpShapeComparison {
    public enum Side {
        QEMU, HOTVISOR
    }

    /** A known difference the comparison accepts: an id, why it is accepted, and where it applies. */
    public sealed interface Allowed {
        String id();

        String why();
    }

    /**
     * The value at {@code path} (object keys; {@code *} for every element of an array) of the
     * {@code part} ("command" or "answer") of {@code step} may have any shape on either side; the
     * key must still be there on both.
     */
    public record AnyShape(String id, String why, String step, String part, List<String> path) implements Allowed {
    }

    /** Events of {@code step} that only {@code side} sends (matched by {@code event}). */
    public record OneSidedEvent(String id, String why, String step, Side side, Predicate<JsonObject> event)
            implements Allowed {
    }

    /**
     * Where QEMU 7.2 (Debian's 7.2.22, q35, TCG, the guest kit's Linux 6.1) and Hotvisor answer
     * the script differently, on purpose or because QEMU 7.2 does. Nothing else may differ.
     */
    public static final List<Allowed> QEMU_7_2 = List.of(
            // Hotvisor implements no out-of-band execution, so it must not offer it (pitfalls 7);
            // QEMU 7.2 offers ["oob"]. An empty array has no element shape.
            new AnyShape("greeting-capabilities",
                    "Hotvisor offers no OOB capability (capabilities: []); QEMU 7.2 offers [\"oob\"]",
                    QmpHotplugScript.GREETING, "answer", List.of("QMP", "capabilities")),
            // QEMU 7.2 sends no DEVICE_DELETED for the CPU itself (a QEMU bug fixed later), only
            // one for its QOM child .../lapic. Hotvisor's CPU has no lapic child object.
            new OneSidedEvent("lapic-device-deleted",
                    "QEMU 7.2 sends DEVICE_DELETED {path} for the CPU's child /machine/peripheral/ID/lapic; Hotvisor has no such child",
                    QmpHotplugScript.DEVICE_DEL, Side.QEMU,
                    e -> "DEVICE_DELETED".equals(QmpHotplugScript.name(e)) && path(e).endsWith("/lapic")),
            // Hotvisor sends the DEVICE_DELETED {device, path} that clients (libvirt, Kata) wait
            // for after device_del, as QEMU does for every other device; QEMU 7.2 omits it for CPUs.
            new OneSidedEvent("cpu-device-deleted",
                    "Hotvisor sends DEVICE_DELETED {device, path} for the CPU itself; QEMU 7.2 sends none for a CPU",
                    QmpHotplugScript.DEVICE_DEL, Side.HOTVISOR,
                    e -> "DEVICE_DELETED".equals(QmpHotplugScript.name(e))
                            && ("/machine/peripheral/" + QmpHotplugScript.DEVICE_ID).equals(path(e))));

    /** The outcome: differences outside the whitelist, and how often each whitelist entry applied. */
    public record Result(List<String> differences, Map<String, Integer> applied, String report) {
        public boolean same() {
            return differences.isEmpty();
        }
    }

    private final List<Allowed> whitelist;

    public QmpShapeComparison(List<Allowed> whitelist) {
        this.whitelist = List.copyOf(whitelist);
    }

    public Result compare(QmpTranscript qemu, QmpTranscript hotvisor) {
        List<String> differences = new ArrayList<>();
        Map<String, Integer> applied = new LinkedHashMap<>();
        whitelist.forEach(a -> applied.put(a.id(), 0));
        StringBuilder report = new StringBuilder();
        report.append("QMP shapes: ").append(qemu.target()).append(" vs ").append(hotvisor.target()).append('\n');

        List<String> qemuSteps = qemu.steps().stream().map(QmpTranscript.Step::name).toList();
        List<String> ourSteps = hotvisor.steps().stream().map(QmpTranscript.Step::name).toList();
        if (!qemuSteps.equals(ourSteps)) {
            differences.add("steps: QEMU ran " + qemuSteps + ", Hotvisor ran " + ourSteps);
        }
        for (QmpTranscript.Step theirs : qemu.steps()) {
            QmpTranscript.Step ours = hotvisor.steps().stream().filter(s -> s.name().equals(theirs.name())).findFirst().orElse(null);
            if (ours == null) {
                continue;
            }
            String step = theirs.name();
            report.append("step ").append(step).append('\n');
            compareValue(step, "command", theirs.command(), ours.command(), differences, applied, report);
            compareValue(step, "answer", theirs.answer(), ours.answer(), differences, applied, report);
            List<String> theirEvents = events(step, Side.QEMU, theirs.events(), applied);
            List<String> ourEvents = events(step, Side.HOTVISOR, ours.events(), applied);
            if (!theirEvents.equals(ourEvents)) {
                List<String> onlyTheirs = minus(theirEvents, ourEvents);
                List<String> onlyOurs = minus(ourEvents, theirEvents);
                differences.add("step " + step + ": events differ:\n    QEMU only:     " + onlyTheirs
                        + "\n    Hotvisor only: " + onlyOurs);
            }
            theirEvents.forEach(e -> report.append("  event   ").append(e).append('\n'));
            if (theirs.closedByServer() != ours.closedByServer()) {
                differences.add("step " + step + ": QEMU " + (theirs.closedByServer() ? "closed" : "kept")
                        + " the connection, Hotvisor " + (ours.closedByServer() ? "closed" : "kept") + " it");
            }
        }
        report.append("whitelist (entry: times applied):\n");
        applied.forEach((id, n) -> report.append("  ").append(id).append(": ").append(n).append('\n'));
        if (differences.isEmpty()) {
            report.append("no differences outside the whitelist\n");
        } else {
            report.append("DIFFERENCES:\n");
            differences.forEach(d -> report.append("  ").append(d).append('\n'));
        }
        return new Result(List.copyOf(differences), Map.copyOf(applied), report.toString());
    }

    private void compareValue(String step, String part, JsonElement theirs, JsonElement ours, List<String> differences,
            Map<String, Integer> applied, StringBuilder report) {
        String theirShape = QmpShapes.of(whitelisted(step, part, theirs, applied));
        String ourShape = QmpShapes.of(whitelisted(step, part, ours, applied));
        if (theirs == null && ours == null) {
            return;
        }
        report.append("  ").append(String.format("%-7s", part)).append(" ").append(theirShape).append('\n');
        if (!theirShape.equals(ourShape)) {
            differences.add("step " + step + ": " + part + " shapes differ:\n    QEMU:     " + theirShape
                    + "\n    Hotvisor: " + ourShape);
        }
    }

    private JsonElement whitelisted(String step, String part, JsonElement value, Map<String, Integer> applied) {
        JsonElement result = value;
        for (Allowed allowed : whitelist) {
            if (allowed instanceof AnyShape any && any.step().equals(step) && any.part().equals(part)) {
                int[] hits = {0};
                result = QmpShapes.replace(result, any.path(), new JsonPrimitive("<any: " + any.id() + ">"), hits);
                applied.merge(any.id(), hits[0], Integer::sum);
            }
        }
        return result;
    }

    private List<String> events(String step, Side side, List<JsonObject> events, Map<String, Integer> applied) {
        List<String> shapes = new ArrayList<>();
        for (JsonObject event : events) {
            Allowed skip = whitelist.stream()
                    .filter(a -> a instanceof OneSidedEvent one && one.step().equals(step) && one.side() == side
                            && one.event().test(event))
                    .findFirst().orElse(null);
            if (skip != null) {
                applied.merge(skip.id(), 1, Integer::sum);
            } else {
                shapes.add(QmpShapes.ofEvent(event));
            }
        }
        shapes.sort(null);
        return shapes;
    }

    private static List<String> minus(List<String> a, List<String> b) {
        List<String> rest = new ArrayList<>(a);
        b.forEach(rest::remove);
        return rest;
    }

    private static String path(JsonObject event) {
        JsonObject data = event.has("data") && event.get("data").isJsonObject() ? event.getAsJsonObject("data") : null;
        return data != null && data.has("path") ? data.get("path").getAsString() : "";
    }

    /** The whitelist as text, for reports. */
    public String describeWhitelist() {
        StringBuilder out = new StringBuilder();
        for (Allowed allowed : whitelist) {
            out.append("  ").append(allowed.id()).append(": ").append(allowed.why()).append('\n');
        }
        return out.toString();
    }
}
