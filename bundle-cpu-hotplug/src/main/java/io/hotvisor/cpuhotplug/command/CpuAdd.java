package io.hotvisor.cpuhotplug.command;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.TrailingOptions;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "cpu", name = "add", description = "Hot-adds a CPU (the lowest absent one unless --id is given)")
@Service
public class CpuAdd extends CpuAction {
    @Option(name = "--id", description = "the CPU (APIC id) to add")
    int id = CpuHotplug.LOWEST_ABSENT;

    @Argument(index = 1, name = "options", description = "the options may also follow the name", multiValued = true)
    List<String> trailing;

    @Override
    protected Object execute(Vm vm) {
        TrailingOptions.apply(this, trailing);
        System.out.println("cpu " + hotplug.add(vm, id) + " added to " + vm.name());
        return null;
    }
}
