package io.hotvisor.qmp.compat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.hotvisor.qmp.QmpTestClient;
import java.nio.file.Path;
import java.time.Duration;
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
            script(new QmpScriptSession(client, transcript, answerTimeout, guestTimeout), guest);
        }
    }

    private static void script(QmpScriptSession session, Guest guest) throws Exception {
        QmpTranscript transcript = session.transcript();
        session.greeting(GREETING);

        session.expectReturn(session.execute(CAPABILITIES, session.command("qmp_capabilities")), CAPABILITIES);

        JsonArray cpus = session.expectReturn(session.execute(QUERY_BEFORE, session.command("query-hotpluggable-cpus")),
                QUERY_BEFORE).getAsJsonArray();
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
        session.expectReturn(session.execute(DEVICE_ADD, session.command("device_add", arguments)), DEVICE_ADD);
        JsonObject inserted = session.awaitEvents(e -> ost(e, 1, -1) != null, e -> false, "ACPI_DEVICE_OST source 1",
                Duration.ofMillis(300)).stream().filter(e -> ost(e, 1, -1) != null).findFirst().orElseThrow();
        String slot = ost(inserted, 1, -1).get("slot").getAsString();
        transcript.note("guest: bring CPU slot " + slot + " online");
        guest.cpuInserted(slot);
        transcript.note("guest: CPU slot " + slot + " is online");

        session.execute(QUERY_PLUGGED, session.command("query-hotpluggable-cpus"));
        session.execute(CPUS_FAST, session.command("query-cpus-fast"));

        JsonObject del = new JsonObject();
        del.addProperty("id", DEVICE_ID);
        session.expectReturn(session.execute(DEVICE_DEL, session.command("device_del", del)), DEVICE_DEL);
        // Complete with both the eject's OST (3, 0) and a DEVICE_DELETED of the device or a
        // child of it; one without the other within the timeout is recorded as it is.
        Predicate<JsonObject> ejected = e -> ost(e, 3, 0) != null;
        Predicate<JsonObject> deleted = QmpHotplugScript::deletesTheDevice;
        session.awaitEvents(e -> false, ejected.or(deleted), "ACPI_DEVICE_OST source 3 status 0 or DEVICE_DELETED",
                Duration.ofMillis(300), ejected, deleted);
        guest.cpuRemoved(slot);

        session.execute(QUERY_AFTER, session.command("query-hotpluggable-cpus"));

        session.execute(QUIT, session.command("quit"));
        session.awaitClose();
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
