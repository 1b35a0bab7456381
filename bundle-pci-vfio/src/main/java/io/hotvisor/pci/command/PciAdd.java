package io.hotvisor.pci.command;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** Hot-adds a PCI device: the guest is told through the PHPR controller and its acpiphp enables the slot. */
@Command(scope = "pci", name = "add", description = "Hot-adds a PCI device to a running VM: pci:add VM DRIVER [id=ID]"
        + " [KEY=VALUE ...] (pci:add web virtio-rng-pci id=rng1 addr=5)")
@Service
public class PciAdd extends PciAction {
    @Argument(index = 1, name = "driver", description = "a PCI device model, e.g. virtio-blk-pci or vfio-pci",
            required = true)
    String driver;

    @Argument(index = 2, name = "properties", description = "id=ID and the driver's KEY=VALUE properties",
            multiValued = true)
    List<String> properties;

    @Override
    protected Object execute(Vm vm) {
        StringBuilder text = new StringBuilder(driver);
        (properties == null ? List.<String>of() : properties).forEach(word -> text.append(',').append(word.replace(",", ",,")));
        DeviceSpec spec = DeviceSpec.parse(text.toString());
        devices.driver(spec.driver()).filter(model -> !model.bus().equals(DeviceDriver.BUS_PCI)).ifPresent(model -> {
            throw new VmException(spec.driver() + " is not a PCI device model (its bus is " + model.bus() + ")");
        });
        PluggedDevice added = devices.add(vm, spec.driver(), spec.id(), spec.properties());
        System.out.println("pci device " + added.name() + " (" + added.driver() + ") added to " + vm.name() + ": "
                + devices.describe(vm, added).address());
        return null;
    }
}
