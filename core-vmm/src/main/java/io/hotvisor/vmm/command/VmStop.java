package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "stop", description = "Stops a VM (power off; start boots it again)")
@Service
public class VmStop extends VmAction {
    @Override
    protected Object execute(Vm vm) {
        vm.stop();
        System.out.println(vm.name() + " " + vm.state().label());
        return null;
    }
}
