package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "device", name = "list", description = "Lists a running VM's devices, boot-time and hot-added:"
        + " id (or QOM path), driver, address on its bus, state (present; removing until the guest releases it;"
        + " driver-gone while its bundle is not installed), properties")
@Service
public class DeviceList extends DeviceAction {
    static final String FORMAT = "%-16s %-20s %-9s %-11s %s%n";

    @Override
    protected Object execute(Vm vm) {
        Map<PluggedDevice, DeviceDescription> described = new LinkedHashMap<>();
        devices.list(vm).forEach(device -> described.put(device, devices.describe(vm, device)));
        System.out.print(table(described));
        return null;
    }

    /** A header, then a row per device; its properties as KEY=VALUE sorted by key, or "-". */
    static String table(Map<PluggedDevice, DeviceDescription> described) {
        StringBuilder out = new StringBuilder(String.format(FORMAT, "ID", "DRIVER", "ADDRESS", "STATE", "PROPERTIES"));
        described.forEach((device, description) -> out.append(String.format(FORMAT, device.name(), device.driver(),
                description.address().isEmpty() ? "-" : description.address(), device.state().label(),
                properties(device.properties()))));
        return out.toString();
    }

    private static String properties(Map<String, Object> properties) {
        if (properties.isEmpty()) {
            return "-";
        }
        return new TreeMap<>(properties).entrySet().stream()
                .map(property -> property.getKey() + "=" + property.getValue())
                .collect(Collectors.joining(" "));
    }
}
