package io.hotvisor.vmm.api;

/** No device with that id or QOM path on that VM (QMP's DeviceNotFound). */
public class DeviceNotFoundException extends VmException {
    private static final long serialVersionUID = 1L;

    public DeviceNotFoundException(String idOrPath) {
        super("Device '" + idOrPath + "' not found");
    }
}
