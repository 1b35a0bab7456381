package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "start", description = "Boots a VM")
@Service
public class VmStart extends VmAction {
    @Override
    protected Object execute(Vm vm) {
        vm.start();
        System.out.println(vm.name() + " " + vm.state().label());
        return null;
    }
}
