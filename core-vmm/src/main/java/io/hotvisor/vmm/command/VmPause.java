package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "pause", description = "Pauses a running VM's vCPUs")
@Service
public class VmPause extends VmAction {
    @Override
    protected Object execute(Vm vm) {
        vm.pause();
        System.out.println(vm.name() + " " + vm.state().label());
        return null;
    }
}
