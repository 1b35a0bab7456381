package io.hotvisor.qmp.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.hotvisor.qmp.QmpServices;
import io.hotvisor.qmp.command.Arguments;
import io.hotvisor.qmp.command.CommandContext;
import io.hotvisor.qmp.command.CommandRegistry;
import io.hotvisor.qmp.command.QmpCommand;
import io.hotvisor.qmp.command.StatusCommands;
import io.hotvisor.qmp.command.VmErrors;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's QMP conversation, independent of the transport: capabilities negotiation, request
 * checks, dispatch, {@code id} echo and error answers, all as QEMU 7.2's monitor does them
 * (monitor/qmp.c, qapi/qmp-dispatch.c). Bytes go in through {@link #feed}; each answer goes out
 * as one JSON text (without line end) to the output.
 */
public final class QmpSession implements CommandContext, JsonStreamer.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(QmpSession.class);
    private static final String NEGOTIATION = "qmp_capabilities";

    private final Vm vm;
    private final QmpServices services;
    private final CommandRegistry registry;
    private final Consumer<String> output;
    private final JsonStreamer streamer = new JsonStreamer(this);
    private volatile boolean negotiated;
    private volatile boolean closeAfterReply;

    public QmpSession(Vm vm, QmpServices services, CommandRegistry registry, Consumer<String> output, boolean negotiated) {
        this.vm = vm;
        this.services = services;
        this.registry = registry;
        this.output = output;
        this.negotiated = negotiated;
    }

    /** {@code {"QMP": {"version": ..., "capabilities": []}}}: no OOB is offered. */
    public static JsonObject greeting(QmpServices services) {
        JsonObject qmp = new JsonObject();
        qmp.add("version", StatusCommands.version(services));
        qmp.add("capabilities", new JsonArray());
        JsonObject greeting = new JsonObject();
        greeting.add("QMP", qmp);
        return greeting;
    }

    /** An event as QMP sends it: {@code {"timestamp": {...}, "event": ..., "data": ...}}. */
    public static JsonObject eventJson(VmEvent event) {
        JsonObject timestamp = new JsonObject();
        timestamp.addProperty("seconds", event.timestamp().getEpochSecond());
        timestamp.addProperty("microseconds", event.timestamp().getNano() / 1000);
        JsonObject json = new JsonObject();
        json.add("timestamp", timestamp);
        json.addProperty("event", event.type());
        if (!event.data().isEmpty()) {
            json.add("data", JsonWriter.toJson(event.data()));
        }
        return json;
    }

    public void feed(byte[] bytes, int offset, int length) {
        streamer.feed(bytes, offset, length);
    }

    /** End of input: whatever is pending is answered (for one-shot use such as qmp:exec). */
    public void flush() {
        streamer.flush();
    }

    /** True once {@code quit} answered: the transport closes after sending what is queued. */
    public boolean closing() {
        return closeAfterReply;
    }

    @Override
    public void value(JsonElement request) {
        if (closeAfterReply) {
            return; // QEMU is gone after quit; nothing more is read
        }
        output.accept(JsonWriter.write(dispatch(request)));
    }

    @Override
    public void error(String description) {
        if (closeAfterReply) {
            return;
        }
        output.accept(JsonWriter.write(QmpError.generic(description).toResponse()));
    }

    /** Answers one parsed request. */
    public JsonObject dispatch(JsonElement request) {
        if (!request.isJsonObject()) {
            return QmpError.generic("QMP input must be a JSON object").toResponse();
        }
        JsonObject dict = request.getAsJsonObject();
        JsonElement id = dict.get("id");
        JsonObject response;
        try {
            JsonElement result = execute(dict);
            response = new JsonObject();
            response.add("return", result == null ? new JsonObject() : result);
        } catch (RuntimeException e) {
            QmpError error = VmErrors.map(e);
            if (!(e instanceof QmpError) && !(e instanceof io.hotvisor.vmm.api.VmException)) {
                LOG.warn("QMP {} on VM {} failed", dict.get("execute"), vm.name(), e);
            }
            if (!negotiated && error.errorClass() == ErrorClass.CommandNotFound) {
                error = new QmpError(ErrorClass.CommandNotFound,
                        "Expecting capabilities negotiation with 'qmp_capabilities'");
            }
            response = error.toResponse();
        }
        if (id != null) {
            response.add("id", id);
        }
        return response;
    }

    private JsonElement execute(JsonObject dict) {
        String name = null;
        for (Map.Entry<String, JsonElement> member : dict.entrySet()) {
            String key = member.getKey();
            JsonElement value = member.getValue();
            switch (key) {
                case "execute" -> {
                    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
                        throw QmpError.generic("QMP input member 'execute' must be a string");
                    }
                    name = value.getAsString();
                }
                case "arguments" -> {
                    if (!value.isJsonObject()) {
                        throw QmpError.generic("QMP input member 'arguments' must be an object");
                    }
                }
                case "id" -> {
                }
                default -> throw QmpError.generic("QMP input member '" + key + "' is unexpected");
            }
        }
        if (name == null) {
            throw QmpError.generic("QMP input lacks member 'execute'");
        }
        QmpCommand command = negotiated || NEGOTIATION.equals(name) ? registry.find(name) : null;
        if (command == null) {
            throw new QmpError(ErrorClass.CommandNotFound, "The command " + name + " has not been found");
        }
        JsonElement arguments = dict.get("arguments");
        return command.execute(this, Arguments.of(arguments == null ? null : arguments.getAsJsonObject()));
    }

    @Override
    public Vm vm() {
        return vm;
    }

    @Override
    public QmpServices services() {
        return services;
    }

    @Override
    public CommandRegistry registry() {
        return registry;
    }

    @Override
    public boolean negotiated() {
        return negotiated;
    }

    @Override
    public void negotiate() {
        negotiated = true;
    }

    @Override
    public void closeAfterReply() {
        closeAfterReply = true;
    }
}
