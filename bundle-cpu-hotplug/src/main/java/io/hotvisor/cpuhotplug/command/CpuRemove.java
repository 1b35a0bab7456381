package io.hotvisor.cpuhotplug.command;

import io.hotvisor.vmm.api.Vm;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "cpu", name = "remove", description = "Asks the guest to eject a CPU; it is removed when the guest has")
@Service
public class CpuRemove extends CpuAction {
    @Argument(index = 1, name = "id", description = "the CPU (APIC id) to remove", required = true)
    int id;

    @Override
    protected Object execute(Vm vm) {
        hotplug.remove(vm, id);
        System.out.println("cpu " + id + " removal requested from " + vm.name());
        return null;
    }
}
