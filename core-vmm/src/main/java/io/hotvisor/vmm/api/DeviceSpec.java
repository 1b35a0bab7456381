package io.hotvisor.vmm.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A device as QEMU's {@code -device} option writes it: {@code DRIVER[,KEY=VALUE...]}, with
 * {@code id=} naming it and {@code ,,} standing for a comma inside a value. Boot-time devices of a
 * {@link VmSpec} are kept in this form.
 *
 * @param driver     the model name ({@code virtio-blk-pci}, ...)
 * @param id         the device id, or null when the text names none
 * @param properties the other properties, values as strings
 */
public record DeviceSpec(String driver, String id, Map<String, Object> properties) {
    public DeviceSpec {
        properties = Map.copyOf(properties);
    }

    /** Parses {@code text}. */
    public static DeviceSpec parse(String text) {
        Map<String, Object> properties = new LinkedHashMap<>();
        String driver = null;
        String id = null;
        for (String part : split(text)) {
            if (driver == null) {
                driver = part.trim();
                if (driver.isEmpty() || driver.contains("=")) {
                    throw new VmException("device '" + text + "': it must start with the driver name");
                }
                continue;
            }
            int equals = part.indexOf('=');
            if (equals <= 0) {
                throw new VmException("device '" + text + "': '" + part + "' is not KEY=VALUE");
            }
            String key = part.substring(0, equals).trim();
            String value = part.substring(equals + 1);
            if (key.equals("id")) {
                id = value;
            } else if (properties.put(key, value) != null) {
                throw new VmException("device '" + text + "': property " + key + " given twice");
            }
        }
        if (driver == null) {
            throw new VmException("empty device description");
        }
        return new DeviceSpec(driver, id, properties);
    }

    /** Splits at single commas; {@code ,,} is a comma within a value. */
    private static java.util.List<String> split(String text) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',' && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (c == ',') {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    /** Back to the {@code -device} form. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(driver);
        if (id != null) {
            text.append(",id=").append(id.replace(",", ",,"));
        }
        properties.forEach((key, value) -> text.append(',').append(key).append('=')
                .append(String.valueOf(value).replace(",", ",,")));
        return text.toString();
    }
}
