package io.hotvisor.qmp.compat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.hotvisor.qmp.QmpTestClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The scripted CPU hotplug of issue 5, written once for any QMP endpoint (Hotvisor or QEMU):
 * greeting, {@code qmp_capabilities}, {@code query-hotpluggable-cpus}, {@code device_add} of the
 * first entry without {@code qom-path} (its {@code type} as driver, its props, id
 * {@value #DEVICE_ID}), the guest's {@code ACPI_DEVICE_OST} source 1, the guest brings the CPU
 * online ({@link Guest}), {@code query-hotpluggable-cpus} and {@code query-cpus-fast},
 * {@code device_del}, removal completed ({@code ACPI_DEVICE_OST} source 3 status 0 and
 * {@code DEVICE_DELETED}), {@code query-hotpluggable-cpus}, {@code quit} (SHUTDOWN
 * {@code host-qmp-quit}, then the server closes the connection). Every line is recorded in a
 * {@link QmpTranscript}; the script fails only where it cannot go on (no answer, an error answer
 * to device_add or device_del, no insert report): comparing is {@link QmpShapeComparison}'s job.
 */
public final class QmpHotplugScript {
    public static final String DEVICE_ID = "hcpu1";

    /** Step names, in order. */
    public static final String GREETING = "greeting";
    public static final String CAPABILITIES = "qmp_capabilities";
    public static final String QUERY_BEFORE = "query-hotpluggable-cpus";
    public static final String DEVICE_ADD = "device_add (until ACPI_DEVICE_OST source 1)";
    public static final String QUERY_PLUGGED = "query-hotpluggable-cpus (plugged)";
    public static final String CPUS_FAST = "query-cpus-fast (plugged)";
    public static final String DEVICE_DEL = "device_del (until the removal completes)";
    public static final String QUERY_AFTER = "query-hotpluggable-cpus (removed)";
    public static final String QUIT = "quit";

    /** What the guest on the other end does between the script's steps. */
    public interface Guest {
        /** The guest reported the insertion ({@code ACPI_DEVICE_OST} source 1, {@code slot}); returns once the CPU is online. */
        void cpuInserted(String slot) throws Exception;

        /** The removal completed; returns once the guest shows it (or at once). */
        default void cpuRemoved(String slot) throws Exception {
        }
    }

    private final Duration answerTimeout;
    private final Duration guestTimeout;

    /**
     * @param answerTimeout how long any answer may take
     * @param guestTimeout  how long the guest may take to report an insertion or a removal
     */
    public QmpHotplugScript(Duration answerTimeout, Duration guestTimeout) {
        this.answerTimeout = answerTimeout;
        this.guestTimeout = guestTimeout;
    }

    /** Runs the script against the QMP socket; the transcript is filled as it goes, also when it throws. */
    public void run(Path socket, Guest guest, QmpTranscript transcript) throws Exception {
        try (QmpTestClient client = QmpTestClient.unix(socket)) {
            new Run(client, transcript).script(guest);
        }
    }

    private final class Run {
        private final QmpTestClient client;
        private final QmpTranscript transcript;

        Run(QmpTestClient client, QmpTranscript transcript) {
            this.client = client;
            this.transcript = transcript;
        }

        void script(Guest guest) throws Exception {
            QmpTranscript.Step greeting = transcript.begin(GREETING, null);
            greeting.answer(next(answerTimeout, "the greeting"));

            expectReturn(execute(CAPABILITIES, command("qmp_capabilities")), CAPABILITIES);

            JsonArray cpus = expectReturn(execute(QUERY_BEFORE, command("query-hotpluggable-cpus")), QUERY_BEFORE)
                    .getAsJsonArray();
            JsonObject free = null;
            for (JsonElement cpu : cpus) {
                if (!cpu.getAsJsonObject().has("qom-path")) {
                    free = cpu.getAsJsonObject();
                    break;
                }
            }
            if (free == null) {
                throw new AssertionError(transcript.target() + ": no hotpluggable CPU without qom-path in " + cpus);
            }
            JsonObject arguments = new JsonObject();
            arguments.add("driver", free.get("type"));
            arguments.addProperty("id", DEVICE_ID);
            free.getAsJsonObject("props").entrySet().forEach(p -> arguments.add(p.getKey(), p.getValue()));
            expectReturn(execute(DEVICE_ADD, command("device_add", arguments)), DEVICE_ADD);
            JsonObject inserted = awaitEvents(e -> ost(e, 1, -1) != null, e -> false, "ACPI_DEVICE_OST source 1", Duration.ofMillis(300))
                    .stream().filter(e -> ost(e, 1, -1) != null).findFirst().orElseThrow();
            String slot = ost(inserted, 1, -1).get("slot").getAsString();
            transcript.note("guest: bring CPU slot " + slot + " online");
            guest.cpuInserted(slot);
            transcript.note("guest: CPU slot " + slot + " is online");

            execute(QUERY_PLUGGED, command("query-hotpluggable-cpus"));
            execute(CPUS_FAST, command("query-cpus-fast"));

            JsonObject del = new JsonObject();
            del.addProperty("id", DEVICE_ID);
            expectReturn(execute(DEVICE_DEL, command("device_del", del)), DEVICE_DEL);
            // Complete with both the eject's OST (3, 0) and a DEVICE_DELETED of the device or a
            // child of it; one without the other within the timeout is recorded as it is.
            Predicate<JsonObject> ejected = e -> ost(e, 3, 0) != null;
            Predicate<JsonObject> deleted = QmpHotplugScript::deletesTheDevice;
            awaitEvents(e -> false, ejected.or(deleted), "ACPI_DEVICE_OST source 3 status 0 or DEVICE_DELETED",
                    Duration.ofMillis(300), ejected, deleted);
            guest.cpuRemoved(slot);

            execute(QUERY_AFTER, command("query-hotpluggable-cpus"));

            execute(QUIT, command("quit"));
            awaitClose();
        }

        private JsonObject command(String name) {
            JsonObject command = new JsonObject();
            command.addProperty("execute", name);
            return command;
        }

        private JsonObject command(String name, JsonObject arguments) {
            JsonObject command = command(name);
            command.add("arguments", arguments);
            return command;
        }

        /** Starts a step: sends the command and returns its answer; events meanwhile go to the step. */
        private JsonObject execute(String step, JsonObject command) throws IOException {
            QmpTranscript.Step current = transcript.begin(step, command);
            String text = command.toString();
            transcript.sent(text);
            client.send(text + "\r\n");
            while (true) {
                JsonObject line = next(answerTimeout, "the answer to " + text).getAsJsonObject();
                if (line.has("event")) {
                    current.event(line);
                } else {
                    current.answer(line);
                    return line;
                }
            }
        }

        private JsonElement expectReturn(JsonObject answer, String step) {
            if (!answer.has("return")) {
                throw new AssertionError(transcript.target() + ": " + step + " answered " + answer);
            }
            return answer.get("return");
        }

        /**
         * Adds the events that come to the current step until {@code done} matches one, or until
         * every one of {@code all} has matched one; then {@code settle} more for stragglers. At
         * the timeout, returns what came if {@code started} matched one, else fails.
         */
        @SafeVarargs
        private List<JsonObject> awaitEvents(Predicate<JsonObject> done, Predicate<JsonObject> started, String what,
                Duration settle, Predicate<JsonObject>... all) {
            QmpTranscript.Step step = transcript.current();
            long deadline = System.nanoTime() + guestTimeout.toNanos();
            boolean seenStart = false;
            boolean[] seen = new boolean[all.length];
            // Events that came before the command's answer count too.
            List<JsonObject> pending = new ArrayList<>(step.events());
            while (true) {
                if (!pending.isEmpty()) {
                    JsonObject event = pending.remove(0);
                    seenStart |= started.test(event) || done.test(event);
                    if (complete(event, done, all, seen)) {
                        settle(settle);
                        return step.events();
                    }
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (seenStart) {
                        transcript.note("timed out after " + guestTimeout.toMillis() + " ms waiting for the rest of: " + what);
                        return step.events();
                    }
                    throw new AssertionError(transcript.target() + ": no " + what + " within " + guestTimeout.toMillis()
                            + " ms; transcript:\n" + transcript.text());
                }
                JsonObject line = nextOrNull(Duration.ofNanos(left));
                if (line == null) {
                    continue;
                }
                if (!line.has("event")) {
                    throw new AssertionError(transcript.target() + ": an answer nobody asked for: " + line);
                }
                step.event(line);
                seenStart |= started.test(line) || done.test(line);
                if (complete(line, done, all, seen)) {
                    settle(settle);
                    return step.events();
                }
            }
        }

        private boolean complete(JsonObject event, Predicate<JsonObject> done, Predicate<JsonObject>[] all, boolean[] seen) {
            if (done.test(event)) {
                return true;
            }
            if (all.length == 0) {
                return false;
            }
            boolean complete = true;
            for (int i = 0; i < all.length; i++) {
                seen[i] |= all[i].test(event);
                complete &= seen[i];
            }
            return complete;
        }

        /** Adds what comes during {@code time} to the current step. */
        private void settle(Duration time) {
            long deadline = System.nanoTime() + time.toNanos();
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                JsonObject line = nextOrNull(Duration.ofNanos(left));
                if (line != null) {
                    if (!line.has("event")) {
                        throw new AssertionError(transcript.target() + ": an answer nobody asked for: " + line);
                    }
                    transcript.current().event(line);
                }
            }
        }

        private void awaitClose() {
            long deadline = System.nanoTime() + answerTimeout.toNanos();
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                String line = client.poll(Duration.ofNanos(left));
                if (line == null) {
                    break;
                }
                if (QmpTestClient.isEof(line)) {
                    transcript.note("connection closed by the server");
                    transcript.current().closed();
                    return;
                }
                transcript.received(line);
                transcript.current().event(JsonParser.parseString(line).getAsJsonObject());
            }
            transcript.note("connection still open " + answerTimeout.toMillis() + " ms after quit");
        }

        private JsonElement next(Duration timeout, String what) {
            JsonObject line = nextOrNull(timeout);
            if (line == null) {
                throw new AssertionError(transcript.target() + ": no " + what + " within " + timeout.toMillis()
                        + " ms; transcript:\n" + transcript.text());
            }
            return line;
        }

        /** The next JSON object from the server, null after the timeout; fails at end of stream. */
        private JsonObject nextOrNull(Duration timeout) {
            String line = client.poll(timeout);
            if (line == null) {
                return null;
            }
            if (QmpTestClient.isEof(line)) {
                transcript.note("connection closed by the server");
                throw new AssertionError(transcript.target() + ": the server closed the connection; transcript:\n" + transcript.text());
            }
            transcript.received(line);
            if (line.startsWith("NOT CRLF-TERMINATED")) {
                throw new AssertionError(transcript.target() + ": " + line);
            }
            return JsonParser.parseString(line).getAsJsonObject();
        }
    }

    /** The info of an ACPI_DEVICE_OST event with that source (and status, unless -1), else null. */
    static JsonObject ost(JsonObject event, int source, int status) {
        if (!"ACPI_DEVICE_OST".equals(name(event)) || !event.has("data")) {
            return null;
        }
        JsonObject info = event.getAsJsonObject("data").getAsJsonObject("info");
        if (info == null || !info.has("source") || info.get("source").getAsInt() != source) {
            return null;
        }
        if (status >= 0 && (!info.has("status") || info.get("status").getAsInt() != status)) {
            return null;
        }
        return info;
    }

    /** A DEVICE_DELETED of the device {@value #DEVICE_ID} or of a child of it. */
    static boolean deletesTheDevice(JsonObject event) {
        if (!"DEVICE_DELETED".equals(name(event)) || !event.has("data")) {
            return false;
        }
        JsonObject data = event.getAsJsonObject("data");
        if (data.has("device") && DEVICE_ID.equals(data.get("device").getAsString())) {
            return true;
        }
        return data.has("path") && data.get("path").getAsString().startsWith("/machine/peripheral/" + DEVICE_ID);
    }

    static String name(JsonObject event) {
        return event.has("event") ? event.get("event").getAsString() : null;
    }
}
