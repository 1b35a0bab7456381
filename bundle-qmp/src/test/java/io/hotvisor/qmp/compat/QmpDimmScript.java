package io.hotvisor.qmp.compat;

import com.google.gson.JsonObject;
import io.hotvisor.qmp.QmpTestClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The scripted DIMM hotplug of issue 12, written once for any QMP endpoint (Hotvisor or QEMU),
 * as {@link QmpHotplugScript} is for a CPU: greeting, {@code qmp_capabilities},
 * {@code query-memory-size-summary}, {@code object-add} of a {@code memory-backend-ram}
 * {@value #BACKEND_ID} of 256 MiB (flat members, as QEMU 7.2 takes them), {@code device_add} of a
 * {@code pc-dimm} {@value #DEVICE_ID} with that memdev until the guest's {@code ACPI_DEVICE_OST}
 * source 1, the guest has the memory ({@link Guest}), {@code query-memory-devices},
 * {@code query-memory-size-summary}, {@code query-acpi-ospm-status}, {@code device_del} until
 * {@code DEVICE_DELETED} of the DIMM (and the eject's {@code ACPI_DEVICE_OST} source 3 status 0 if
 * it comes within {@link #EJECT_OST_GRACE} more), {@code query-memory-devices} (empty),
 * {@code object-del}, {@code quit}. Every line is recorded in a {@link QmpTranscript}; the script
 * fails only where it cannot go on (no answer, an error answer to object-add, device_add,
 * device_del or object-del, no insert report, no DEVICE_DELETED): comparing is
 * {@link QmpShapeComparison}'s job.
 */
public final class QmpDimmScript {
    public static final String BACKEND_ID = "mem1";
    public static final String DEVICE_ID = "dimm1";
    public static final long DIMM_SIZE = 256L << 20;
    /** After DEVICE_DELETED, how long the eject's _OST (3, 0) may still take; QEMU 7.2 sends it 5 ms later. */
    static final Duration EJECT_OST_GRACE = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofMillis(300);

    /** Step names, in order. The greeting's is the CPU script's, so that the whitelist's entry applies. */
    public static final String GREETING = QmpHotplugScript.GREETING;
    public static final String CAPABILITIES = QmpHotplugScript.CAPABILITIES;
    public static final String SUMMARY_BEFORE = "query-memory-size-summary";
    public static final String OBJECT_ADD = "object-add memory-backend-ram";
    public static final String DEVICE_ADD = "device_add pc-dimm (until ACPI_DEVICE_OST source 1)";
    public static final String DEVICES_PLUGGED = "query-memory-devices (plugged)";
    public static final String SUMMARY_PLUGGED = "query-memory-size-summary (plugged)";
    public static final String OSPM_STATUS = "query-acpi-ospm-status (plugged)";
    public static final String DEVICE_DEL = "device_del pc-dimm (until DEVICE_DELETED)";
    public static final String DEVICES_AFTER = "query-memory-devices (removed)";
    public static final String OBJECT_DEL = "object-del";
    public static final String QUIT = QmpHotplugScript.QUIT;

    /** What the guest on the other end does between the script's steps. */
    public interface Guest {
        /** The guest reported the insertion ({@code ACPI_DEVICE_OST} source 1, {@code slot}); returns once it uses the memory. */
        void dimmInserted(String slot) throws Exception;

        /** The removal completed; returns once the guest shows it (or at once). */
        default void dimmRemoved(String slot) throws Exception {
        }
    }

    private final Duration answerTimeout;
    private final Duration guestTimeout;

    /**
     * @param answerTimeout how long any answer may take
     * @param guestTimeout  how long the guest may take to report an insertion or a removal
     */
    public QmpDimmScript(Duration answerTimeout, Duration guestTimeout) {
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
        session.execute(SUMMARY_BEFORE, session.command("query-memory-size-summary"));

        JsonObject backend = new JsonObject();
        backend.addProperty("qom-type", "memory-backend-ram");
        backend.addProperty("id", BACKEND_ID);
        backend.addProperty("size", DIMM_SIZE);
        session.expectReturn(session.execute(OBJECT_ADD, session.command("object-add", backend)), OBJECT_ADD);

        JsonObject dimm = new JsonObject();
        dimm.addProperty("driver", "pc-dimm");
        dimm.addProperty("id", DEVICE_ID);
        dimm.addProperty("memdev", BACKEND_ID);
        session.expectReturn(session.execute(DEVICE_ADD, session.command("device_add", dimm)), DEVICE_ADD);
        JsonObject inserted = session.awaitEvents(e -> QmpHotplugScript.ost(e, 1, -1) != null, e -> false,
                "ACPI_DEVICE_OST source 1", SETTLE).stream().filter(e -> QmpHotplugScript.ost(e, 1, -1) != null)
                .findFirst().orElseThrow();
        String slot = QmpHotplugScript.ost(inserted, 1, -1).get("slot").getAsString();
        transcript.note("guest: DIMM slot " + slot + " inserted; wait until the guest has its memory");
        guest.dimmInserted(slot);
        transcript.note("guest: has the memory of DIMM slot " + slot);

        session.execute(DEVICES_PLUGGED, session.command("query-memory-devices"));
        session.execute(SUMMARY_PLUGGED, session.command("query-memory-size-summary"));
        session.execute(OSPM_STATUS, session.command("query-acpi-ospm-status"));

        JsonObject del = new JsonObject();
        del.addProperty("id", DEVICE_ID);
        session.expectReturn(session.execute(DEVICE_DEL, session.command("device_del", del)), DEVICE_DEL);
        // DEVICE_DELETED of the DIMM must come; the eject's OST (3, 0) follows it (QEMU 7.2: 5 ms
        // later) or came before: waited for a little more, and recorded as it is.
        Predicate<JsonObject> deleted = QmpDimmScript::deletesTheDimm;
        Predicate<JsonObject> ejected = e -> QmpHotplugScript.ost(e, 3, 0) != null;
        session.awaitEvents(deleted, e -> false, "DEVICE_DELETED of " + DEVICE_ID, Duration.ZERO);
        if (transcript.current().events().stream().noneMatch(ejected)) {
            session.awaitEvents(EJECT_OST_GRACE, ejected, deleted, "ACPI_DEVICE_OST source 3 status 0", Duration.ZERO);
        }
        session.settle(SETTLE);
        guest.dimmRemoved(slot);

        session.execute(DEVICES_AFTER, session.command("query-memory-devices"));

        JsonObject object = new JsonObject();
        object.addProperty("id", BACKEND_ID);
        session.expectReturn(session.execute(OBJECT_DEL, session.command("object-del", object)), OBJECT_DEL);

        session.execute(QUIT, session.command("quit"));
        session.awaitClose();
    }

    /** A DEVICE_DELETED of the DIMM {@value #DEVICE_ID} (by id, or by its QOM path). */
    static boolean deletesTheDimm(JsonObject event) {
        if (!"DEVICE_DELETED".equals(QmpHotplugScript.name(event)) || !event.has("data")) {
            return false;
        }
        JsonObject data = event.getAsJsonObject("data");
        if (data.has("device") && DEVICE_ID.equals(data.get("device").getAsString())) {
            return true;
        }
        return data.has("path") && data.get("path").getAsString().equals("/machine/peripheral/" + DEVICE_ID);
    }
}
