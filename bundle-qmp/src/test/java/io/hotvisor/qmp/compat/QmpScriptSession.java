package io.hotvisor.qmp.compat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.hotvisor.qmp.QmpTestClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One run of a scripted QMP exchange ({@link QmpHotplugScript}, {@link QmpDimmScript}) on one
 * connection: sends commands as steps of a {@link QmpTranscript}, collects their answers and the
 * events that come meanwhile, waits for events with a timeout. It fails only where a script cannot
 * go on (no answer, an answer nobody asked for, the connection closed early).
 */
final class QmpScriptSession {
    private final QmpTestClient client;
    private final QmpTranscript transcript;
    private final Duration answerTimeout;
    private final Duration guestTimeout;

    /**
     * @param answerTimeout how long any answer may take
     * @param guestTimeout  how long the guest may take to report an insertion or a removal
     */
    QmpScriptSession(QmpTestClient client, QmpTranscript transcript, Duration answerTimeout, Duration guestTimeout) {
        this.client = client;
        this.transcript = transcript;
        this.answerTimeout = answerTimeout;
        this.guestTimeout = guestTimeout;
    }

    QmpTranscript transcript() {
        return transcript;
    }

    /** The first step: the server's greeting. */
    void greeting(String step) {
        QmpTranscript.Step greeting = transcript.begin(step, null);
        greeting.answer(next(answerTimeout, "the greeting"));
    }

    JsonObject command(String name) {
        JsonObject command = new JsonObject();
        command.addProperty("execute", name);
        return command;
    }

    JsonObject command(String name, JsonObject arguments) {
        JsonObject command = command(name);
        command.add("arguments", arguments);
        return command;
    }

    /** Starts a step: sends the command and returns its answer; events meanwhile go to the step. */
    JsonObject execute(String step, JsonObject command) throws IOException {
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

    JsonElement expectReturn(JsonObject answer, String step) {
        if (!answer.has("return")) {
            throw new AssertionError(transcript.target() + ": " + step + " answered " + answer);
        }
        return answer.get("return");
    }

    /**
     * Adds the events that come to the current step until {@code done} matches one, or until
     * every one of {@code all} has matched one; then {@code settle} more for stragglers. At
     * the guest timeout, returns what came if {@code started} matched one, else fails.
     */
    @SafeVarargs
    final List<JsonObject> awaitEvents(Predicate<JsonObject> done, Predicate<JsonObject> started, String what,
            Duration settle, Predicate<JsonObject>... all) {
        return awaitEvents(guestTimeout, done, started, what, settle, all);
    }

    /** {@link #awaitEvents(Predicate, Predicate, String, Duration, Predicate...)} with another timeout. */
    @SafeVarargs
    final List<JsonObject> awaitEvents(Duration timeout, Predicate<JsonObject> done, Predicate<JsonObject> started,
            String what, Duration settle, Predicate<JsonObject>... all) {
        QmpTranscript.Step step = transcript.current();
        long deadline = System.nanoTime() + timeout.toNanos();
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
                    transcript.note("timed out after " + timeout.toMillis() + " ms waiting for the rest of: " + what);
                    return step.events();
                }
                throw new AssertionError(transcript.target() + ": no " + what + " within " + timeout.toMillis()
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
    void settle(Duration time) {
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

    void awaitClose() {
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

    JsonElement next(Duration timeout, String what) {
        JsonObject line = nextOrNull(timeout);
        if (line == null) {
            throw new AssertionError(transcript.target() + ": no " + what + " within " + timeout.toMillis()
                    + " ms; transcript:\n" + transcript.text());
        }
        return line;
    }

    /** The next JSON object from the server, null after the timeout; fails at end of stream. */
    JsonObject nextOrNull(Duration timeout) {
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
