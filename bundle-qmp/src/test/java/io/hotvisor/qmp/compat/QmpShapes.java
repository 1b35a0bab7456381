package io.hotvisor.qmp.compat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The shape of a JSON value: its structure without its values. Objects are their keys (sorted)
 * with the shapes of their values; arrays the set of their elements' shapes ({@code []} when
 * empty); scalars their type: {@code string}, {@code number}, {@code bool}, {@code null}. So
 * {@code {"b": [1, 2], "a": "x"}} is {@code {a: string, b: [number]}}.
 *
 * <p>An event's shape also keeps its name: {@code SHUTDOWN {data: {guest: bool, reason: string},
 * event: string, timestamp: {microseconds: number, seconds: number}}}.
 */
public final class QmpShapes {
    private QmpShapes() {
    }

    public static String of(JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return "null";
        }
        if (value.isJsonObject()) {
            List<String> members = new ArrayList<>();
            new TreeSet<>(value.getAsJsonObject().keySet()).forEach(
                    key -> members.add(key + ": " + of(value.getAsJsonObject().get(key))));
            return "{" + String.join(", ", members) + "}";
        }
        if (value.isJsonArray()) {
            TreeSet<String> elements = new TreeSet<>();
            for (JsonElement element : value.getAsJsonArray()) {
                elements.add(of(element));
            }
            return "[" + String.join(" | ", elements) + "]";
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        if (primitive.isBoolean()) {
            return "bool";
        }
        if (primitive.isNumber()) {
            return "number";
        }
        return "string";
    }

    /** An event's name and shape. */
    public static String ofEvent(JsonObject event) {
        String name = event.has("event") && event.get("event").isJsonPrimitive() ? event.get("event").getAsString() : "?";
        return name + " " + of(event);
    }

    /** A deep copy with the value at {@code path} (keys, "*" for every element of an array) replaced by {@code replacement}. */
    static JsonElement replace(JsonElement value, List<String> path, JsonElement replacement, int[] hits) {
        if (value == null) {
            return null;
        }
        if (path.isEmpty()) {
            hits[0]++;
            return replacement.deepCopy();
        }
        String head = path.get(0);
        List<String> rest = path.subList(1, path.size());
        if (value.isJsonArray() && head.equals("*")) {
            JsonArray copy = new JsonArray();
            for (JsonElement element : value.getAsJsonArray()) {
                copy.add(replace(element, rest, replacement, hits));
            }
            return copy;
        }
        if (value.isJsonObject()) {
            JsonObject copy = new JsonObject();
            for (Map.Entry<String, JsonElement> member : value.getAsJsonObject().entrySet()) {
                copy.add(member.getKey(), member.getKey().equals(head)
                        ? replace(member.getValue(), rest, replacement, hits) : member.getValue().deepCopy());
            }
            return copy;
        }
        return value.deepCopy();
    }
}
