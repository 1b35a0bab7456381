package io.hotvisor.virtio;

import io.hotvisor.vmm.api.OnOff;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciAddress;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/** Reading {@code device_add} properties as clients send them (strings, numbers, booleans), with QEMU's errors. */
final class DriverProperties {
    private final String driver;
    private final Map<String, Object> values;

    DriverProperties(String driver, Map<String, Object> values, Set<String> known) {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new VmException("Property '" + driver + "." + key + "' not found");
            }
        }
        this.driver = driver;
        this.values = values;
    }

    String string(String key, String fallback) {
        Object value = values.get(key);
        return value == null ? fallback : value.toString();
    }

    String required(String key) {
        String value = string(key, null);
        if (value == null || value.isBlank()) {
            throw new VmException(driver + ": property " + key + " is required");
        }
        return value;
    }

    /** QEMU's booleans: on/off, true/false, yes/no; off when absent. */
    boolean flag(String key) {
        return OnOff.parse(driver + "." + key, values.get(key), false);
    }

    long number(String key, long fallback) {
        String value = string(key, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.decode(value.trim());
        } catch (NumberFormatException e) {
            throw new VmException(driver + ": property " + key + " must be a number, not '" + value + "'");
        }
    }

    /** {@code addr=SLOT[.FUNCTION]} in hex, as QEMU writes it (function 0 only). */
    OptionalInt slot() {
        String addr = string("addr", null);
        return addr == null ? OptionalInt.empty() : OptionalInt.of(PciAddress.parseSlot(driver, addr));
    }
}
