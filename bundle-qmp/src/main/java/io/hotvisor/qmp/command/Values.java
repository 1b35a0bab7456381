package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conversions between JSON members and the plain Java values the core API takes. */
public final class Values {
    private Values() {
    }

    /** An integral JSON number as a long, or null if the value is not one. */
    public static Long integer(JsonElement value) {
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            return null;
        }
        String text = value.getAsNumber().toString();
        if (text.contains(".") || text.contains("e") || text.contains("E")) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** JSON to String, Long, Double, Boolean, Map, List or null. */
    public static Object toJava(JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (value.isJsonObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> member : value.getAsJsonObject().entrySet()) {
                map.put(member.getKey(), toJava(member.getValue()));
            }
            return map;
        }
        if (value.isJsonArray()) {
            List<Object> list = new ArrayList<>();
            for (JsonElement item : value.getAsJsonArray()) {
                list.add(toJava(item));
            }
            return list;
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        if (primitive.isBoolean()) {
            return primitive.getAsBoolean();
        }
        if (primitive.isString()) {
            return primitive.getAsString();
        }
        Long integer = integer(primitive);
        return integer != null ? (Object) integer : (Object) primitive.getAsDouble();
    }

    public static JsonObject object(Object... keysAndValues) {
        JsonObject object = new JsonObject();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.add((String) keysAndValues[i], io.hotvisor.qmp.protocol.JsonWriter.toJson(keysAndValues[i + 1]));
        }
        return object;
    }

    public static JsonArray array(List<? extends JsonElement> items) {
        JsonArray array = new JsonArray();
        items.forEach(array::add);
        return array;
    }
}
