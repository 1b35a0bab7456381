package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.hotvisor.qmp.protocol.QmpError;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A command's {@code arguments} object, read the way QEMU's QAPI input visitor reads it: a
 * missing member is "Parameter 'x' is missing", a wrong type "Invalid parameter type for 'x',
 * expected: T", and after a command has read what it knows, {@link #done()} refuses the rest
 * with "Parameter 'x' is unexpected".
 */
public final class Arguments {
    private final JsonObject arguments;
    private final Set<String> read = new HashSet<>();

    public Arguments(JsonObject arguments) {
        this.arguments = arguments == null ? new JsonObject() : arguments;
    }

    public static Arguments of(JsonObject arguments) {
        return new Arguments(arguments);
    }

    public boolean has(String name) {
        return arguments.has(name);
    }

    private JsonElement get(String name) {
        read.add(name);
        return arguments.get(name);
    }

    private JsonElement required(String name) {
        JsonElement value = get(name);
        if (value == null) {
            throw QmpError.generic("Parameter '" + name + "' is missing");
        }
        return value;
    }

    private static QmpError type(String name, String expected) {
        return QmpError.generic("Invalid parameter type for '" + name + "', expected: " + expected);
    }

    public String string(String name) {
        return asString(name, required(name));
    }

    public String optString(String name) {
        JsonElement value = get(name);
        return value == null ? null : asString(name, value);
    }

    private static String asString(String name, JsonElement value) {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return value.getAsString();
        }
        throw type(name, "string");
    }

    public Boolean optBoolean(String name) {
        JsonElement value = get(name);
        if (value == null) {
            return null;
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean()) {
            return value.getAsBoolean();
        }
        throw type(name, "boolean");
    }

    public long integer(String name) {
        return asInteger(name, required(name));
    }

    public Long optInteger(String name) {
        JsonElement value = get(name);
        return value == null ? null : asInteger(name, value);
    }

    private static long asInteger(String name, JsonElement value) {
        Long number = Values.integer(value);
        if (number == null) {
            throw type(name, "integer");
        }
        return number;
    }

    /**
     * A CPU id as real clients send it: a JSON integer or a string of digits (Kata's client
     * sends strings).
     */
    public int cpuId(String name) {
        JsonElement value = required(name);
        Long number = Values.integer(value);
        if (number == null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            try {
                number = Long.parseLong(value.getAsString().trim());
            } catch (NumberFormatException e) {
                number = null;
            }
        }
        if (number == null || number < Integer.MIN_VALUE || number > Integer.MAX_VALUE) {
            throw type(name, "integer");
        }
        return number.intValue();
    }

    public JsonObject optObject(String name) {
        JsonElement value = get(name);
        if (value == null) {
            return null;
        }
        if (value.isJsonObject()) {
            return value.getAsJsonObject();
        }
        throw type(name, "object");
    }

    public JsonArray optArray(String name) {
        JsonElement value = get(name);
        if (value == null) {
            return null;
        }
        if (value.isJsonArray()) {
            return value.getAsJsonArray();
        }
        throw type(name, "array");
    }

    /** Every member not read yet, as Java values (for device properties); marks them read. */
    public Map<String, Object> rest() {
        Map<String, Object> rest = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> member : arguments.entrySet()) {
            if (read.add(member.getKey())) {
                rest.put(member.getKey(), Values.toJava(member.getValue()));
            }
        }
        return rest;
    }

    /** Refuses members the command did not read. */
    public void done() {
        for (String name : arguments.keySet()) {
            if (!read.contains(name)) {
                throw QmpError.generic("Parameter '" + name + "' is unexpected");
            }
        }
    }

    /** A plain string member, for messages. */
    static String describe(JsonElement value) {
        return value instanceof JsonPrimitive p && p.isString() ? p.getAsString() : String.valueOf(value);
    }
}
