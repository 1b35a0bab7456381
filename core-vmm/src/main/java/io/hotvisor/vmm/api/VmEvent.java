package io.hotvisor.vmm.api;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Something that happened to a VM, named and shaped like QEMU's QMP events so that every frontend
 * (QMP, JMX notifications, the shell) can pass it on unchanged. Published to {@link VmListener}s
 * and to Event Admin under {@link #topic()}.
 *
 * @param vm        VM name
 * @param type      QMP event name, e.g. {@code SHUTDOWN}
 * @param timestamp when it happened
 * @param data      QMP event data (JSON-compatible values: String, Number, Boolean, Map, List)
 */
public record VmEvent(String vm, String type, Instant timestamp, Map<String, Object> data) {
    public static final String TOPIC_PREFIX = "io/hotvisor/vm/";
    public static final String SHUTDOWN = "SHUTDOWN";
    public static final String RESET = "RESET";
    public static final String STOP = "STOP";
    public static final String RESUME = "RESUME";
    public static final String POWERDOWN = "POWERDOWN";
    public static final String DEVICE_DELETED = "DEVICE_DELETED";
    public static final String ACPI_DEVICE_OST = "ACPI_DEVICE_OST";
    /**
     * Hotvisor's own (QEMU has none): a device stopped serving because the guest broke its rules
     * (a malformed virtqueue chain); {@code message} says which device and what.
     */
    public static final String DEVICE_ERROR = "HOTVISOR_DEVICE_ERROR";

    public VmEvent {
        // Kept in the order given: QMP clients see the keys as QEMU orders them.
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    public static VmEvent of(String vm, String type, Map<String, Object> data) {
        return new VmEvent(vm, type, Instant.now(), data);
    }

    /** Event Admin topic: {@code io/hotvisor/vm/TYPE}. */
    public String topic() {
        return TOPIC_PREFIX + type;
    }
}
