package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "device", name = "remove", description = "Asks the guest to release a device; device:list shows it"
        + " as removing until it has")
@Service
public class DeviceRemove extends DeviceAction {
    @Argument(index = 1, name = "id", description = "the device's id, or its QOM path (device:list shows them)", required = true)
    String id;

    @Override
    protected Object execute(Vm vm) {
        devices.remove(vm, id);
        System.out.println("device " + id + " removal requested from " + vm.name());
        return null;
    }
}
