package io.hotvisor.vmm.api;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Something that happened to a VM: which VM, when, and a typed {@link Payload} that knows its QMP
 * name and data, so that every frontend (QMP, JMX notifications, the shell) can pass it on
 * unchanged while Java listeners match on the record type. Published to {@link VmListener}s and
 * to Event Admin under {@link #topic()}.
 *
 * @param vm        VM name
 * @param timestamp when it happened
 * @param payload   what happened
 */
public record VmEvent(String vm, Instant timestamp, Payload payload) {
    public static final String TOPIC_PREFIX = "io/hotvisor/vm/";

    /**
     * An event's content. The core's events are the records below; a capability bundle may define
     * its own (QEMU's {@code MEMORY_DEVICE_SIZE_CHANGE}, say) by implementing this.
     */
    public interface Payload {
        /** QMP event name, e.g. {@code SHUTDOWN}. */
        String qmpName();

        /** QMP event data in QEMU's key order (JSON-compatible values: String, Number, Boolean, Map, List). */
        Map<String, Object> qmpData();
    }

    /** The VM stopped for good ({@code guest}: the guest asked for it; {@code reason} as QEMU names it). */
    public record Shutdown(boolean guest, String reason) implements Payload {
        @Override
        public String qmpName() {
            return "SHUTDOWN";
        }

        @Override
        public Map<String, Object> qmpData() {
            return ordered("guest", guest, "reason", reason);
        }
    }

    /** The machine was rebuilt as a reset does. */
    public record Reset(boolean guest, String reason) implements Payload {
        @Override
        public String qmpName() {
            return "RESET";
        }

        @Override
        public Map<String, Object> qmpData() {
            return ordered("guest", guest, "reason", reason);
        }
    }

    /** The vCPUs were paused. */
    public record Stop() implements Payload {
        @Override
        public String qmpName() {
            return "STOP";
        }

        @Override
        public Map<String, Object> qmpData() {
            return Map.of();
        }
    }

    /** The vCPUs run again. */
    public record Resume() implements Payload {
        @Override
        public String qmpName() {
            return "RESUME";
        }

        @Override
        public Map<String, Object> qmpData() {
            return Map.of();
        }
    }

    /** The guest was asked to power down (the ACPI power button). */
    public record Powerdown() implements Payload {
        @Override
        public String qmpName() {
            return "POWERDOWN";
        }

        @Override
        public Map<String, Object> qmpData() {
            return Map.of();
        }
    }

    /** The guest released a device; {@code device} is its id, null for a device added without one. */
    public record DeviceDeleted(String device, String path) implements Payload {
        @Override
        public String qmpName() {
            return "DEVICE_DELETED";
        }

        @Override
        public Map<String, Object> qmpData() {
            return device == null ? ordered("path", path) : ordered("device", device, "path", path);
        }
    }

    /** The guest's ACPI {@code _OST} report on a hotplug slot. */
    public record AcpiDeviceOst(OstInfo info) implements Payload {
        @Override
        public String qmpName() {
            return "ACPI_DEVICE_OST";
        }

        @Override
        public Map<String, Object> qmpData() {
            return ordered("info", info.qmpData());
        }
    }

    /**
     * One {@code _OST} report, as QMP's {@code ACPIOSTInfo}.
     *
     * @param device   the id of the device in the slot, or null
     * @param slot     the slot, as the controller numbers it
     * @param slotType {@code DIMM} or {@code CPU}
     * @param source   the ACPI event the report answers ({@code 0x1} insert, {@code 0x3} eject, ...)
     * @param status   the guest's status code (0 is success)
     */
    public record OstInfo(String device, String slot, String slotType, int source, int status) {
        public Map<String, Object> qmpData() {
            Map<String, Object> data = new LinkedHashMap<>();
            if (device != null) {
                data.put("device", device);
            }
            data.put("source", source);
            data.put("status", status);
            data.put("slot", slot);
            data.put("slot-type", slotType);
            return Collections.unmodifiableMap(data);
        }
    }

    /**
     * Hotvisor's own (QEMU has none): a device stopped serving because the guest broke its rules
     * (a malformed virtqueue chain); {@code message} says which device and what.
     */
    public record DeviceError(String message) implements Payload {
        @Override
        public String qmpName() {
            return "HOTVISOR_DEVICE_ERROR";
        }

        @Override
        public Map<String, Object> qmpData() {
            return ordered("message", message);
        }
    }

    public static VmEvent now(String vm, Payload payload) {
        return new VmEvent(vm, Instant.now(), payload);
    }

    /** QMP event name of the payload. */
    public String type() {
        return payload.qmpName();
    }

    /** QMP event data of the payload. */
    public Map<String, Object> data() {
        return payload.qmpData();
    }

    /** Event Admin topic: {@code io/hotvisor/vm/QMP_NAME}. */
    public String topic() {
        return TOPIC_PREFIX + type();
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            data.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(data);
    }
}
