package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "destroy", description = "Stops a VM if it runs and forgets it")
@Service
public class VmDestroy extends VmAction {
    @Override
    protected Object execute(Vm vm) {
        manager.destroy(vm.name());
        System.out.println(vm.name() + " destroyed");
        return null;
    }
}
