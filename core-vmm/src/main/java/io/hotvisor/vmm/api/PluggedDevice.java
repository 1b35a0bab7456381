package io.hotvisor.vmm.api;

import java.util.Map;

/**
 * A device added through {@link DeviceManager}, which owns its id and state.
 *
 * @param id         the id the client gave (unique per VM), or null for a device added without
 *                   one (HMP's {@code cpu_set}, QMP's {@code cpu-add}, {@code device_add} without id)
 * @param path       its QOM path: {@code /machine/peripheral/ID}, or
 *                   {@code /machine/peripheral-anon/device[N]} without an id, as QEMU names them
 * @param driver     model name
 * @param properties the properties it was added with
 * @param state      where it is in its life
 */
public record PluggedDevice(String id, String path, String driver, Map<String, Object> properties, State state) {
    public static final String PERIPHERAL = "/machine/peripheral/";
    /**
     * The property with which a client keeps a device from being removed: {@code off} and the
     * guest may not eject it, and removal requests fail. Drivers of removable devices accept it.
     */
    public static final String REMOVABLE = "removable";

    public enum State {
        PRESENT("present"),
        /** Removal was requested and the guest has not released it yet. */
        REMOVING("removing"),
        /**
         * Its driver's bundle went away (feature:uninstall, bundle:stop) while the device was
         * plugged: the device keeps working until its VM stops or resets, and cannot be removed
         * until the driver is back.
         */
        DRIVER_GONE("driver-gone");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public PluggedDevice {
        properties = Map.copyOf(properties);
    }

    /** The name clients use for it: its id, or its QOM path when it has none. */
    public String name() {
        return id != null ? id : path;
    }

    /** Whether the device may be removed: its {@link #REMOVABLE} property, QEMU's booleans, on by default. */
    public boolean removable() {
        return OnOff.parse(driver + "." + REMOVABLE, properties.get(REMOVABLE), true);
    }

    public PluggedDevice withState(State next) {
        return new PluggedDevice(id, path, driver, properties, next);
    }
}
