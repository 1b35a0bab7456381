package io.hotvisor.pci.command;

import io.hotvisor.pci.hotplug.PciHotplugService;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * Base of the pci:* commands that act on one VM. Karaf offers them while this bundle's
 * {@link PciHotplugService} runs. Devices are added and removed through the device manager, as
 * every frontend does.
 */
public abstract class PciAction extends VmAction {
    @Reference
    PciHotplugService hotplug;

    @Reference
    DeviceManager devices;
}
