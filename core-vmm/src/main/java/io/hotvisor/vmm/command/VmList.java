package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "list", description = "Lists the VMs: name, state, current vCPUs and memory, uptime")
@Service
public class VmList implements Action {
    static final String FORMAT = "%-20s %-9s %5s %8s %10s%n";

    @Reference
    VmManager manager;

    @Override
    public Object execute() {
        System.out.printf(FORMAT, "NAME", "STATE", "VCPUS", "MEMORY", "UPTIME");
        for (Vm vm : manager.list()) {
            System.out.printf(FORMAT, vm.name(), vm.state().label(), vm.currentVcpus(),
                    MemorySize.format(vm.currentMemory()), vm.uptime().toSeconds() + "s");
        }
        return null;
    }
}
