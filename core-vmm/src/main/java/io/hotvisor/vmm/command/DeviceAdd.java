package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "device", name = "add", description = "Hot-adds a device to a running VM: device:add VM DRIVER id=ID"
        + " [KEY=VALUE ...] (device:add VM virtio-rng-pci id=rng1)")
@Service
public class DeviceAdd extends DeviceAction {
    @Argument(index = 1, name = "driver", description = "the device model, e.g. virtio-blk-pci", required = true)
    @Completion(DeviceDriverCompleter.class)
    String driver;

    @Argument(index = 2, name = "properties", description = "id=ID (required) and the driver's KEY=VALUE properties",
            multiValued = true)
    List<String> properties;

    @Override
    protected Object execute(Vm vm) {
        DeviceSpec device = spec(driver, properties == null ? List.of() : properties);
        devices.add(vm, device.driver(), device.id(), device.properties());
        System.out.println("device " + device.id() + " (" + device.driver() + ") added to " + vm.name());
        return null;
    }

    /**
     * The driver and its KEY=VALUE words as the {@link DeviceSpec} that {@code -device} would
     * give, so both read properties alike; the words must name an id.
     */
    static DeviceSpec spec(String driver, List<String> words) {
        StringBuilder text = new StringBuilder(driver);
        words.forEach(word -> text.append(',').append(word.replace(",", ",,")));
        DeviceSpec device = DeviceSpec.parse(text.toString());
        if (device.id() == null || device.id().isBlank()) {
            throw new VmException("device:add " + device.driver() + ": name the device with id=ID");
        }
        return device;
    }
}
