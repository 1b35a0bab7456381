package io.hotvisor.vmm.api;

import java.util.Map;

/**
 * A device added through {@link DeviceManager}.
 *
 * @param id         the id the client gave (unique per VM)
 * @param driver     model name
 * @param properties the properties it was added with
 * @param unplugging true once removal was requested and the guest has not released it yet
 */
public record PluggedDevice(String id, String driver, Map<String, Object> properties, boolean unplugging) {
    public PluggedDevice {
        properties = Map.copyOf(properties);
    }

    /** QEMU's QOM path for a device added with an id. */
    public String path() {
        return "/machine/peripheral/" + id;
    }
}
