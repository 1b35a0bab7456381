package io.hotvisor.qmp.compat;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What one run of {@link QmpHotplugScript} sent and received: every line with its time (as the
 * QEMU transcripts in ../shared/reference/qmp-qemu-transcripts.md are written), and the same
 * exchanges grouped into steps for {@link QmpShapeComparison}. The steps are written as JSON that
 * {@link #read(Path)} reads back, so that a run recorded on one machine can be compared on another.
 */
public final class QmpTranscript {
    /** One line on the wire: {@code >} sent, {@code <} received, {@code #} a note of the script. */
    public record Line(long micros, char direction, String text) {
    }

    /** One step of the script: the command (none for the greeting), its answer, the events that came meanwhile. */
    public static final class Step {
        private final String name;
        private final JsonObject command;
        private JsonElement answer;
        private final List<JsonObject> events = new ArrayList<>();
        private boolean closedByServer;

        public Step(String name, JsonObject command) {
            this.name = name;
            this.command = command;
        }

        public String name() {
            return name;
        }

        /** The command sent, or null. */
        public JsonObject command() {
            return command;
        }

        /** The answer (the greeting for the first step), or null. */
        public JsonElement answer() {
            return answer;
        }

        public List<JsonObject> events() {
            return Collections.unmodifiableList(events);
        }

        /** Whether the server closed the connection during this step. */
        public boolean closedByServer() {
            return closedByServer;
        }

        void answer(JsonElement answer) {
            this.answer = answer;
        }

        void event(JsonObject event) {
            events.add(event);
        }

        void closed() {
            closedByServer = true;
        }

        JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("step", name);
            if (command != null) {
                json.add("command", command);
            }
            if (answer != null) {
                json.add("answer", answer);
            }
            JsonArray array = new JsonArray();
            events.forEach(array::add);
            json.add("events", array);
            if (closedByServer) {
                json.addProperty("closed-by-server", true);
            }
            return json;
        }

        static Step fromJson(JsonObject json) {
            Step step = new Step(json.get("step").getAsString(),
                    json.has("command") ? json.getAsJsonObject("command") : null);
            step.answer = json.get("answer");
            json.getAsJsonArray("events").forEach(e -> step.event(e.getAsJsonObject()));
            step.closedByServer = json.has("closed-by-server") && json.get("closed-by-server").getAsBoolean();
            return step;
        }
    }

    private final String target;
    private final long start = System.nanoTime();
    private final List<Line> lines = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();

    public QmpTranscript(String target) {
        this.target = target;
    }

    /** What the script ran against, e.g. "QEMU 7.2.22 (TCG)". */
    public String target() {
        return target;
    }

    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    public synchronized Step step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no step " + name + " in the transcript of " + target));
    }

    synchronized Step begin(String name, JsonObject command) {
        Step step = new Step(name, command);
        steps.add(step);
        return step;
    }

    synchronized Step current() {
        return steps.isEmpty() ? null : steps.get(steps.size() - 1);
    }

    synchronized void sent(String text) {
        lines.add(new Line(now(), '>', text));
    }

    synchronized void received(String text) {
        lines.add(new Line(now(), '<', text));
    }

    public synchronized void note(String text) {
        lines.add(new Line(now(), '#', text));
    }

    private long now() {
        return (System.nanoTime() - start) / 1000;
    }

    /** The timed lines, one per line as in the reference transcripts ({@code +12.3 ms > ...}). */
    public synchronized String text() {
        StringBuilder out = new StringBuilder("# ").append(target).append('\n');
        for (Line line : lines) {
            out.append(String.format(Locale.ROOT, "%12s %c %s%n",
                    String.format(Locale.ROOT, "+%.1f ms", line.micros() / 1000.0), line.direction(), line.text()));
        }
        return out.toString();
    }

    /** The file {@link #write} puts the steps in: {@code DIR/BASE.steps.json}. */
    public static Path stepsFile(Path dir, String base) {
        return dir.resolve(base + ".steps.json");
    }

    /** Writes {@code BASE.txt} (timed lines) and {@link #stepsFile BASE.steps.json} (the steps) into {@code dir}. */
    public synchronized void write(Path dir, String base) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(base + ".txt"), text(), StandardCharsets.UTF_8);
        JsonObject json = new JsonObject();
        json.addProperty("target", target);
        JsonArray array = new JsonArray();
        steps.forEach(s -> array.add(s.toJson()));
        json.add("steps", array);
        Files.writeString(stepsFile(dir, base),
                new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(json) + "\n", StandardCharsets.UTF_8);
    }

    /**
     * A transcript from the steps file {@link #write} wrote: its target and steps, as compared by
     * {@link QmpShapeComparison} (the timed lines are only in {@code BASE.txt}).
     */
    public static QmpTranscript read(Path stepsFile) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(stepsFile, StandardCharsets.UTF_8)).getAsJsonObject();
        QmpTranscript transcript = new QmpTranscript(json.get("target").getAsString());
        json.getAsJsonArray("steps").forEach(s -> transcript.steps.add(Step.fromJson(s.getAsJsonObject())));
        return transcript;
    }
}
