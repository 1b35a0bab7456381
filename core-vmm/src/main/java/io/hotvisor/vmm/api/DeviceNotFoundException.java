package io.hotvisor.vmm.api;

/** No device with that id on that VM (QMP's DeviceNotFound). */
public class DeviceNotFoundException extends VmException {
    private static final long serialVersionUID = 1L;

    public DeviceNotFoundException(String id) {
        super("Device '" + id + "' not found");
    }
}
