package io.hotvisor.vmm.api;

import java.util.List;
import java.util.Map;

/** Hotplug of devices on running VMs through the registered {@link DeviceDriver}s (a core service). */
public interface DeviceManager {
    /** The drivers registered now, by name. */
    List<DeviceDriver> drivers();

    /**
     * Adds a device. Fails with a one-line {@link VmException} for an unknown driver (naming it and,
     * for a known model whose bundle is absent, the capability to install), a duplicate id, a VM
     * that is not running, or anything the driver refuses.
     */
    PluggedDevice add(Vm vm, String driver, String id, Map<String, Object> properties);

    /** Starts removal; {@link DeviceNotFoundException} if the VM has no such device. */
    void remove(Vm vm, String id);

    List<PluggedDevice> list(Vm vm);

    /** Called by a driver when the guest released a device: forgets it and publishes DEVICE_DELETED. */
    void deleted(Vm vm, String id);
}
