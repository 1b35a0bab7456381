package io.hotvisor.qmp.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON as QEMU does (qobject/json-writer.c): {@code ", "} and {@code ": "} separators,
 * members in insertion order, every character outside printable ASCII as an uppercase
 * {@code \\uXXXX} escape (surrogate pairs beyond the BMP).
 */
public final class JsonWriter {
    private JsonWriter() {
    }

    public static String write(JsonElement element) {
        StringBuilder out = new StringBuilder(128);
        write(element, out);
        return out.toString();
    }

    private static void write(JsonElement element, StringBuilder out) {
        if (element == null || element.isJsonNull()) {
            out.append("null");
        } else if (element.isJsonObject()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonElement> member : element.getAsJsonObject().entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                quote(member.getKey(), out);
                out.append(": ");
                write(member.getValue(), out);
            }
            out.append('}');
        } else if (element.isJsonArray()) {
            out.append('[');
            boolean first = true;
            for (JsonElement item : element.getAsJsonArray()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                write(item, out);
            }
            out.append(']');
        } else {
            JsonPrimitive primitive = element.getAsJsonPrimitive();
            if (primitive.isString()) {
                quote(primitive.getAsString(), out);
            } else if (primitive.isBoolean()) {
                out.append(primitive.getAsBoolean());
            } else {
                out.append(primitive.getAsNumber().toString());
            }
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp > 0xFFFF) {
                        out.append(String.format("\\u%04X\\u%04X", 0xD800 + ((cp - 0x10000) >> 10),
                                0xDC00 + ((cp - 0x10000) & 0x3FF)));
                    } else if (cp < 0x20 || cp >= 0x7F) {
                        out.append(String.format("\\u%04X", cp));
                    } else {
                        out.append((char) cp);
                    }
                }
            }
        });
        out.append('"');
    }

    /** Keys of event data in the order QEMU writes them; others follow alphabetically. */
    private static final List<String> KEY_ORDER = List.of("guest", "reason", "device", "path", "info", "source",
            "status", "slot", "slot-type", "size", "qom-path", "id");

    private static final Comparator<String> KEYS = Comparator
            .comparingInt((String key) -> {
                int index = KEY_ORDER.indexOf(key);
                return index < 0 ? KEY_ORDER.size() : index;
            })
            .thenComparing(Comparator.naturalOrder());

    /**
     * A Java value (String, Number, Boolean, Map, Collection, null) as JSON. Maps whose order is
     * not defined ({@code Map.of}) are written in QEMU's member order for known keys.
     */
    public static JsonElement toJson(Object value) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (value instanceof JsonElement element) {
            return element;
        }
        if (value instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (value instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (value instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (value instanceof Map<?, ?> map) {
            JsonObject object = new JsonObject();
            boolean ordered = map instanceof java.util.LinkedHashMap || map instanceof java.util.SortedMap;
            map.keySet().stream().map(String::valueOf)
                    .sorted(ordered ? (a, b) -> 0 : KEYS)
                    .forEach(key -> object.add(key, toJson(map.get(key))));
            return object;
        }
        if (value instanceof Collection<?> collection) {
            JsonArray array = new JsonArray();
            collection.forEach(item -> array.add(toJson(item)));
            return array;
        }
        return new JsonPrimitive(value.toString());
    }
}
