package io.hotvisor.qmp.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape comparison without VMs: what counts as a shape, what the whitelist lets through, and that it fails otherwise. */
class QmpShapeComparisonTest {
    private static final QmpShapeComparison QEMU_7_2 = new QmpShapeComparison(QmpShapeComparison.QEMU_7_2);

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    /** A transcript of the removal step as QEMU 7.2 sent it (../shared/reference/qmp-qemu-transcripts.md, cpu-1). */
    private static QmpTranscript qemu() {
        QmpTranscript t = new QmpTranscript("QEMU");
        t.begin(QmpHotplugScript.GREETING, null).answer(json("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
                + "\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}"));
        t.begin(QmpHotplugScript.QUERY_BEFORE, json("{\"execute\": \"query-hotpluggable-cpus\"}")).answer(json(
                "{\"return\": [{\"props\": {\"core-id\": 1, \"thread-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"vcpus-count\": 1, "
                        + "\"type\": \"max-x86_64-cpu\"}, {\"props\": {\"core-id\": 0, \"thread-id\": 0, \"node-id\": 0, "
                        + "\"socket-id\": 0}, \"vcpus-count\": 1, \"qom-path\": \"/machine/unattached/device[0]\", "
                        + "\"type\": \"max-x86_64-cpu\"}]}"));
        QmpTranscript.Step del = t.begin(QmpHotplugScript.DEVICE_DEL, json("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hcpu1\"}}"));
        del.answer(json("{\"return\": {}}"));
        del.event(json("{\"timestamp\": {\"seconds\": 1795425666, \"microseconds\": 6047}, \"event\": \"ACPI_DEVICE_OST\", "
                + "\"data\": {\"info\": {\"device\": \"hcpu1\", \"source\": 3, \"status\": 132, \"slot\": \"1\", \"slot-type\": \"CPU\"}}}"));
        del.event(json("{\"timestamp\": {\"seconds\": 1795425666, \"microseconds\": 112897}, \"event\": \"DEVICE_DELETED\", "
                + "\"data\": {\"path\": \"/machine/peripheral/hcpu1/lapic\"}}"));
        del.event(json("{\"timestamp\": {\"seconds\": 1795425666, \"microseconds\": 115774}, \"event\": \"ACPI_DEVICE_OST\", "
                + "\"data\": {\"info\": {\"source\": 3, \"status\": 0, \"slot\": \"1\", \"slot-type\": \"CPU\"}}}"));
        QmpTranscript.Step quit = t.begin(QmpHotplugScript.QUIT, json("{\"execute\": \"quit\"}"));
        quit.event(json("{\"timestamp\": {\"seconds\": 1795425672, \"microseconds\": 342741}, \"event\": \"SHUTDOWN\", "
                + "\"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}"));
        quit.answer(json("{\"return\": {}}"));
        quit.closed();
        return t;
    }

    /** The same run as Hotvisor answers it; {@code edit} changes the text of one line before it is parsed. */
    private static QmpTranscript hotvisor(String from, String to) {
        QmpTranscript t = new QmpTranscript("Hotvisor");
        List<String> lines = List.of(
                "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"Hotvisor 0.1\"}, "
                        + "\"capabilities\": []}}",
                "{\"return\": [{\"props\": {\"core-id\": 1, \"thread-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"vcpus-count\": 1, "
                        + "\"type\": \"host-x86_64-cpu\"}, {\"props\": {\"core-id\": 0, \"thread-id\": 0, \"node-id\": 0, "
                        + "\"socket-id\": 0}, \"vcpus-count\": 1, \"qom-path\": \"/machine/unattached/device[0]\", "
                        + "\"type\": \"host-x86_64-cpu\"}]}",
                // Another order than QEMU's: events of a step are compared as a multiset.
                "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"ACPI_DEVICE_OST\", "
                        + "\"data\": {\"info\": {\"source\": 3, \"status\": 0, \"slot\": \"1\", \"slot-type\": \"CPU\"}}}",
                "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 1}, \"event\": \"ACPI_DEVICE_OST\", "
                        + "\"data\": {\"info\": {\"device\": \"hcpu1\", \"source\": 3, \"status\": 132, \"slot\": \"1\", \"slot-type\": \"CPU\"}}}",
                "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", "
                        + "\"data\": {\"device\": \"hcpu1\", \"path\": \"/machine/peripheral/hcpu1\"}}",
                "{\"timestamp\": {\"seconds\": 2, \"microseconds\": 0}, \"event\": \"SHUTDOWN\", "
                        + "\"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}");
        List<JsonObject> parsed = lines.stream().map(l -> json(from == null ? l : l.replace(from, to))).toList();
        t.begin(QmpHotplugScript.GREETING, null).answer(parsed.get(0));
        t.begin(QmpHotplugScript.QUERY_BEFORE, json("{\"execute\": \"query-hotpluggable-cpus\"}")).answer(parsed.get(1));
        QmpTranscript.Step del = t.begin(QmpHotplugScript.DEVICE_DEL, json("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hcpu1\"}}"));
        del.answer(json("{\"return\": {}}"));
        del.event(parsed.get(2));
        del.event(parsed.get(3));
        del.event(parsed.get(4));
        QmpTranscript.Step quit = t.begin(QmpHotplugScript.QUIT, json("{\"execute\": \"quit\"}"));
        quit.event(parsed.get(5));
        quit.answer(json("{\"return\": {}}"));
        quit.closed();
        return t;
    }

    @Test
    void shapesKeepKeysAndTypesNotValues() {
        assertThat(QmpShapes.of(json("{\"b\": [1, 2.5], \"a\": \"x\", \"c\": {\"d\": true, \"e\": null}, \"f\": []}")))
                .isEqualTo("{a: string, b: [number], c: {d: bool, e: null}, f: []}");
        assertThat(QmpShapes.of(JsonParser.parseString("[{\"x\": 1}, {\"x\": 2}, {\"x\": 3, \"y\": \"z\"}]")))
                .isEqualTo("[{x: number, y: string} | {x: number}]");
        assertThat(QmpShapes.ofEvent(json("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}")))
                .isEqualTo("STOP {event: string, timestamp: {microseconds: number, seconds: number}}");
    }

    @Test
    void qemusOwnRecordingAndHotvisorsAnswersAgreeThroughTheWhitelist() {
        QmpShapeComparison.Result result = QEMU_7_2.compare(qemu(), hotvisor(null, null));
        assertThat(result.differences()).isEmpty();
        assertThat(result.applied()).containsEntry("greeting-capabilities", 2)
                .containsEntry("lapic-device-deleted", 1).containsEntry("cpu-device-deleted", 1);
    }

    @Test
    void withoutTheWhitelistTheKnownDifferencesFail() {
        QmpShapeComparison.Result result = new QmpShapeComparison(List.of()).compare(qemu(), hotvisor(null, null));
        assertThat(result.differences()).hasSize(2);
        assertThat(result.differences().get(0)).startsWith("step greeting: answer shapes differ")
                .contains("capabilities: [string]", "capabilities: []");
        assertThat(result.differences().get(1)).startsWith("step " + QmpHotplugScript.DEVICE_DEL + ": events differ")
                .contains("QEMU only:     [DEVICE_DELETED {data: {path: string}", "Hotvisor only: [DEVICE_DELETED {data: {device: string, path: string}");
    }

    @Test
    void aValueOfAnotherTypeFails() {
        QmpShapeComparison.Result result = QEMU_7_2.compare(qemu(), hotvisor("\"vcpus-count\": 1", "\"vcpus-count\": \"1\""));
        assertThat(result.differences()).singleElement().asString()
                .startsWith("step query-hotpluggable-cpus: answer shapes differ")
                .contains("vcpus-count: number", "vcpus-count: string");
    }

    @Test
    void aMissingOrExtraKeyFails() {
        assertThat(QEMU_7_2.compare(qemu(), hotvisor(", \"node-id\": 0", "")).differences()).singleElement().asString()
                .contains("node-id: number");
        assertThat(QEMU_7_2.compare(qemu(), hotvisor("\"reason\": \"host-qmp-quit\"", "\"reason\": \"host-qmp-quit\", \"x\": 1"))
                .differences()).singleElement().asString().startsWith("step quit: events differ");
        // The whitelist lets capabilities have any shape, not be missing.
        assertThat(QEMU_7_2.compare(qemu(), hotvisor(", \"capabilities\": []", "")).differences()).singleElement().asString()
                .startsWith("step greeting: answer shapes differ");
    }

    @Test
    void aMissingEventOrOneOfAnotherShapeFails() {
        // Without "device" while the device still exists (QEMU names it until _EJ0).
        assertThat(QEMU_7_2.compare(qemu(), hotvisor("\"device\": \"hcpu1\", \"source\": 3", "\"source\": 3")).differences())
                .singleElement().asString().contains("QEMU only:     [ACPI_DEVICE_OST {data: {info: {device: string");
        // A DEVICE_DELETED for another path is not the whitelisted one.
        assertThat(QEMU_7_2.compare(qemu(), hotvisor("/machine/peripheral/hcpu1\"", "/machine/peripheral/other\"")).differences())
                .singleElement().asString().contains("Hotvisor only: [DEVICE_DELETED");
    }

    @Test
    void stepsAndTheClosedConnectionAreCompared() {
        QmpTranscript open = hotvisor(null, null);
        QmpTranscript fewer = new QmpTranscript("Hotvisor");
        fewer.begin(QmpHotplugScript.GREETING, null).answer(open.step(QmpHotplugScript.GREETING).answer());
        assertThat(QEMU_7_2.compare(qemu(), fewer).differences()).first().asString().startsWith("steps: QEMU ran [greeting, ");

        QmpTranscript notClosed = new QmpTranscript("Hotvisor");
        for (QmpTranscript.Step step : open.steps()) {
            QmpTranscript.Step copy = notClosed.begin(step.name(), step.command());
            copy.answer(step.answer());
            step.events().forEach(copy::event);
        }
        assertThat(QEMU_7_2.compare(qemu(), notClosed).differences()).singleElement().asString()
                .isEqualTo("step quit: QEMU closed the connection, Hotvisor kept it");
    }
}
