package io.hotvisor.qmp.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transcript written on one machine is read back on another with the same steps. */
class QmpTranscriptTest {
    @TempDir
    Path dir;

    private static QmpTranscript recorded() {
        QmpTranscript t = new QmpTranscript("QEMU 7.2.22 (q35, TCG) \"quoted\" <html> é");
        t.note("QEMU pid 1 started");
        t.begin(QmpHotplugScript.GREETING, null).answer(JsonParser.parseString(
                "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"Debian <x> & y\"}, "
                        + "\"capabilities\": [\"oob\"]}}"));
        QmpTranscript.Step del = t.begin(QmpHotplugScript.DEVICE_DEL,
                JsonParser.parseString("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hcpu1\"}}").getAsJsonObject());
        del.event(JsonParser.parseString("{\"timestamp\": {\"seconds\": 1795425666, \"microseconds\": 6047}, "
                + "\"event\": \"ACPI_DEVICE_OST\", \"data\": {\"info\": {\"device\": \"hcpu1\", \"source\": 3, \"status\": 132, "
                + "\"slot\": \"1\", \"slot-type\": \"CPU\"}}}").getAsJsonObject());
        del.answer(JsonParser.parseString("{\"return\": {}}"));
        del.event(JsonParser.parseString("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", "
                + "\"data\": {\"path\": \"/machine/peripheral/hcpu1/lapic\", \"x\": null, \"y\": 1.5, \"z\": [true]}}")
                .getAsJsonObject());
        // A step without an answer (the script timed out), and one where the server closed.
        t.begin(QmpHotplugScript.QUERY_AFTER, JsonParser.parseString("{\"execute\": \"query-hotpluggable-cpus\"}").getAsJsonObject());
        QmpTranscript.Step quit = t.begin(QmpHotplugScript.QUIT, JsonParser.parseString("{\"execute\": \"quit\"}").getAsJsonObject());
        quit.answer(JsonParser.parseString("{\"return\": {}}"));
        quit.closed();
        return t;
    }

    @Test
    void writeThenReadGivesTheSameTargetAndSteps() throws Exception {
        QmpTranscript original = recorded();
        original.write(dir, "qemu");
        Path file = QmpTranscript.stepsFile(dir, "qemu");
        assertThat(file).isEqualTo(dir.resolve("qemu.steps.json"));

        QmpTranscript read = QmpTranscript.read(file);

        assertThat(read.target()).isEqualTo(original.target());
        assertThat(read.steps()).hasSameSizeAs(original.steps());
        for (int i = 0; i < original.steps().size(); i++) {
            QmpTranscript.Step theirs = original.steps().get(i);
            QmpTranscript.Step ours = read.steps().get(i);
            assertThat(ours.name()).isEqualTo(theirs.name());
            assertThat(ours.command()).isEqualTo(theirs.command());
            assertThat(ours.answer()).isEqualTo(theirs.answer());
            assertThat(ours.events()).isEqualTo(theirs.events());
            assertThat(ours.closedByServer()).isEqualTo(theirs.closedByServer());
        }
        assertThat(new QmpShapeComparison(List.of()).compare(original, read).differences()).isEmpty();

        read.write(dir, "again");
        assertThat(Files.readString(QmpTranscript.stepsFile(dir, "again")))
                .isEqualTo(Files.readString(file));
    }
}
