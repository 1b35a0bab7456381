package io.hotvisor.pci.command;

import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "pci", name = "list", description = "Lists a running VM's PCI bus: slot, id, driver, vendor:device,"
        + " class, BARs, state")
@Service
public class PciList extends PciAction {
    private static final String FORMAT = "%-13s %-12s %-16s %-10s %-7s %-10s %s%n";

    @Override
    protected Object execute(Vm vm) {
        StringBuilder table = new StringBuilder(String.format(FORMAT, "SLOT", "ID", "DRIVER", "VEN:DEV", "CLASS",
                "STATE", "BARS"));
        for (PciSlot slot : vm.pci().slots()) {
            Optional<PluggedDevice> device = slot.device().pluggedDeviceId().flatMap(id -> devices.find(vm, id));
            PciConfiguration config = slot.device().configuration();
            String state = hotplug.removalPending(vm, slot.address().slot()) ? "removing"
                    : device.map(plugged -> plugged.state().label()).orElse("present");
            table.append(String.format(FORMAT, slot.address(), device.map(PluggedDevice::name).orElse("-"),
                    device.map(PluggedDevice::driver).orElse("-"),
                    String.format("%04x:%04x", config.getShort(PciConfiguration.VENDOR_ID),
                            config.getShort(PciConfiguration.DEVICE_ID)),
                    String.format("%06x", config.getInt(PciConfiguration.REVISION_ID) >>> 8),
                    state, bars(slot)));
        }
        System.out.print(table);
        return null;
    }

    /** Each BAR as {@code INDEX:KIND@ADDRESS/SIZE}, the address "-" while it does not decode. */
    private static String bars(PciSlot slot) {
        List<String> bars = new ArrayList<>();
        for (PciBar bar : slot.device().configuration().bars()) {
            OptionalLong at = slot.mappedAddress(bar.index());
            bars.add(String.format("%d:%s@%s/0x%x", bar.index(), bar.kind().name().toLowerCase(java.util.Locale.ROOT),
                    at.isPresent() ? "0x" + Long.toHexString(at.getAsLong()) : "-", bar.size()));
        }
        return bars.isEmpty() ? "-" : String.join(" ", bars);
    }
}
