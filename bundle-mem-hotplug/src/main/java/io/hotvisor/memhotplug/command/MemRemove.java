package io.hotvisor.memhotplug.command;

import io.hotvisor.memhotplug.MemHotplugService;
import io.hotvisor.vmm.api.DeviceNotFoundException;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "mem", name = "remove", description = "Asks the guest to eject a DIMM; it is removed when the guest has")
@Service
public class MemRemove extends MemAction {
    @Argument(index = 1, name = "id", description = "the DIMM's device id", required = true)
    String id;

    @Override
    protected Object execute(Vm vm) {
        PluggedDevice device = devices.find(vm, id).orElseThrow(() -> new DeviceNotFoundException(id));
        if (!device.driver().equals(MemHotplugService.DRIVER)) {
            throw new VmException(id + " is a " + device.driver() + ", not a DIMM");
        }
        devices.remove(vm, id);
        System.out.println("dimm " + id + " removal requested from " + vm.name());
        return null;
    }
}
