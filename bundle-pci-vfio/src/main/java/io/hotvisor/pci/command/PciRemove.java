package io.hotvisor.pci.command;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceNotFoundException;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "pci", name = "remove", description = "Asks the guest to eject a PCI device; it is removed when the"
        + " guest has (DEVICE_DELETED)")
@Service
public class PciRemove extends PciAction {
    @Argument(index = 1, name = "id", description = "the device's id (or QOM path)", required = true)
    String id;

    @Override
    protected Object execute(Vm vm) {
        PluggedDevice device = devices.find(vm, id).orElseThrow(() -> new DeviceNotFoundException(id));
        devices.driver(device.driver()).filter(model -> !model.bus().equals(DeviceDriver.BUS_PCI)).ifPresent(model -> {
            throw new VmException(id + " is a " + device.driver() + ", not a PCI device");
        });
        devices.remove(vm, id);
        System.out.println("pci device " + id + " removal requested from " + vm.name());
        return null;
    }
}
