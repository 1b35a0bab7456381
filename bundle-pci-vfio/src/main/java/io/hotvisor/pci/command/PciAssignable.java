package io.hotvisor.pci.command;

import io.hotvisor.pci.vfio.HostPciDevice;
import io.hotvisor.pci.vfio.HostPciDevices;
import io.hotvisor.pci.vfio.VfioPciDriver;
import io.hotvisor.vmm.api.VmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "pci", name = "assignable", description = "Lists the host PCI devices bound to vfio-pci, with their"
        + " IOMMU groups: what vfio-pci,host=ADDRESS can pass through")
@Service
public class PciAssignable implements Action {
    private static final String FORMAT = "%-13s %-10s %-7s %-6s %-11s %s%n";

    @Reference
    VfioPciDriver vfio;

    @Override
    public Object execute() {
        System.out.print(table(vfio.hostDevices(), vfio.assigned()));
        return null;
    }

    /**
     * One row per device bound to vfio-pci: its state is {@code assignable}, {@code assigned} (to
     * whom, in the last column) or {@code blocked}, with the refusal printed below the table.
     */
    static String table(HostPciDevices host, Map<String, String> assigned) {
        List<HostPciDevice> bound = host.boundToVfio();
        if (bound.isEmpty()) {
            return "no host PCI device is bound to vfio-pci (bind one: echo vfio-pci >"
                    + " /sys/bus/pci/devices/ADDRESS/driver_override, then echo ADDRESS > /sys/bus/pci/drivers_probe)\n";
        }
        StringBuilder table = new StringBuilder(String.format(FORMAT, "HOST", "VEN:DEV", "CLASS", "GROUP", "STATE",
                "GROUP-MATES / ASSIGNED TO"));
        List<String> refusals = new ArrayList<>();
        for (HostPciDevice device : bound) {
            String state;
            String detail = device.groupMates().isEmpty() ? "-" : String.join(",", device.groupMates());
            if (assigned.containsKey(device.address())) {
                state = "assigned";
                detail = assigned.get(device.address());
            } else {
                try {
                    host.checkAssignable(VfioPciDriver.NAME, device);
                    state = "assignable";
                } catch (VmException e) {
                    state = "blocked";
                    refusals.add(e.getMessage());
                }
            }
            table.append(String.format(FORMAT, device.address(),
                    String.format("%04x:%04x", device.vendorId(), device.deviceId()),
                    String.format("%06x", device.classCode()), device.group() < 0 ? "-" : device.group(), state, detail));
        }
        refusals.forEach(refusal -> table.append(refusal).append('\n'));
        return table.toString();
    }
}
