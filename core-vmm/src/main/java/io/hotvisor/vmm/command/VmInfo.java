package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.command.support.VmAction;
import java.util.List;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "info", description = "Shows a VM's definition and state as 'key: value' lines;"
        + " vcpus and memory are the current sizes, boot-vcpus and boot-memory the spec's; with memory hotplug,"
        + " plugged-memory and max-memory too")
@Service
public class VmInfo extends VmAction {
    @Override
    protected Object execute(Vm vm) {
        line("name", vm.name());
        line("state", vm.state().label());
        vm.failure().ifPresent(why -> line("failure", why));
        line("vcpus", vm.currentVcpus());
        line("boot-vcpus", vm.spec().vcpus());
        line("max-vcpus", vm.spec().maxVcpus());
        line("memory", memory(vm.currentMemory()));
        line("boot-memory", memory(vm.spec().memory()));
        hotplugRegion(vm).ifPresent(region -> {
            line("plugged-memory", memory(vm.currentMemory() - vm.spec().memory()));
            line("max-memory", memory(vm.spec().memory() + region.size()));
        });
        line("kernel", vm.spec().kernel());
        line("initrd", vm.spec().initrd() == null ? "-" : vm.spec().initrd());
        line("cmdline", vm.spec().cmdline());
        vm.spec().options().forEach((key, value) -> line("option " + key, value));
        line("uptime", vm.uptime().toMillis() / 1000.0 + "s");
        List<BootMarker> markers = vm.bootMarkers();
        if (!markers.isEmpty()) {
            BootMarker first = markers.get(0);
            line("first-boot-marker", String.format("0x%02x after %.3f ms", first.value(), first.nanosSinceStart() / 1e6));
        }
        return null;
    }

    /** The running machine's memory hotplug region, if it has one. */
    private static Optional<GuestRegion> hotplugRegion(Vm vm) {
        if (!vm.state().isActive()) {
            return Optional.empty();
        }
        try {
            return vm.memory().hotplugRegion();
        } catch (VmException stoppedMeanwhile) {
            return Optional.empty();
        }
    }

    private static String memory(long bytes) {
        return MemorySize.format(bytes) + " (" + bytes + " bytes)";
    }

    private static void line(String key, Object value) {
        System.out.println(key + ": " + value);
    }
}
