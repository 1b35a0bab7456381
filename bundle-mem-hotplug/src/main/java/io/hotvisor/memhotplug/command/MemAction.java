package io.hotvisor.memhotplug.command;

import io.hotvisor.memhotplug.MemHotplugService;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * Base of the mem:* commands. Karaf offers them while this bundle's {@link MemHotplugService}
 * runs; without it (bundle stopped, or the GED it needs) they are gone, and
 * {@code device:add VM pc-dimm ...} says which feature to install or start. DIMMs are added and
 * removed through the device manager, as every frontend does.
 */
public abstract class MemAction extends VmAction {
    @Reference
    MemHotplugService hotplug;

    @Reference
    DeviceManager devices;

    /** An id for a DIMM the command adds: the lowest dimmN that names no device and no backend. */
    String freeId(Vm vm) {
        for (int n = 0; ; n++) {
            String id = "dimm" + n;
            if (devices.find(vm, id).isEmpty() && vm.memoryBackends().find(id).isEmpty()) {
                return id;
            }
        }
    }
}
