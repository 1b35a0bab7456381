package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "device", name = "list", description = "Lists a running VM's devices, boot-time and hot-added:"
        + " id, driver, state (present, or removing until the guest releases it), properties")
@Service
public class DeviceList extends DeviceAction {
    static final String FORMAT = "%-16s %-20s %-8s %s%n";

    @Override
    protected Object execute(Vm vm) {
        System.out.print(table(devices.list(vm)));
        return null;
    }

    /** A header, then a row per device; its properties as KEY=VALUE sorted by key, or "-". */
    static String table(List<PluggedDevice> plugged) {
        StringBuilder out = new StringBuilder(String.format(FORMAT, "ID", "DRIVER", "STATE", "PROPERTIES"));
        for (PluggedDevice device : plugged) {
            out.append(String.format(FORMAT, device.id(), device.driver(), device.unplugging() ? "removing" : "present",
                    properties(device.properties())));
        }
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
