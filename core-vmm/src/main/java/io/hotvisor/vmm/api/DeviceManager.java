package io.hotvisor.vmm.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Devices of running VMs through the registered {@link DeviceDriver}s (a core service): the one
 * owner of device ids, QOM paths and device states, whichever frontend added the device.
 */
public interface DeviceManager {
    /** The drivers registered now, by name. */
    List<DeviceDriver> drivers();

    /** The registered driver of a model name or alias. */
    Optional<DeviceDriver> driver(String nameOrAlias);

    /**
     * Adds a device; {@code id} may be null (the device is then named by its QOM path). Fails with
     * a one-line {@link VmException} for an unknown driver (naming it and, for a known model whose
     * bundle is absent, the feature to install), a duplicate id, a VM that is not running, or
     * anything the driver refuses.
     */
    PluggedDevice add(Vm vm, String driver, String id, Map<String, Object> properties);

    /**
     * Starts the removal of a device named by id or QOM path; {@link DeviceNotFoundException} if
     * the VM has no such device, a {@link VmException} if its removal is already pending or its
     * driver is gone.
     */
    void remove(Vm vm, String idOrPath);

    List<PluggedDevice> list(Vm vm);

    Optional<PluggedDevice> find(Vm vm, String idOrPath);

    /** What the device's driver says about it; {@link DeviceDescription#NONE} while the driver is gone. */
    DeviceDescription describe(Vm vm, PluggedDevice device);

    /**
     * Called by a driver when the guest refused to release a device (an {@code _OST} failure): the
     * device stays plugged and present, and a later {@link #remove} may try again.
     */
    void unplugFailed(Vm vm, String idOrPath);

    /** Called by a driver when the guest released a device: forgets it and publishes DEVICE_DELETED. */
    void deleted(Vm vm, String idOrPath);
}
