package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.TrailingOptions;
import io.hotvisor.vmm.command.support.VmAction;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "log", description = "Prints the recent serial console output of a VM without attaching")
@Service
public class VmLog extends VmAction {

    @Argument(index = 1, name = "options", description = "the options may also follow the arguments", multiValued = true)
    List<String> trailing;
    @Option(name = "--lines", aliases = "-n", description = "how many lines (default 100)")
    int lines = 100;

    @Override
    protected Object execute(Vm vm) {
        TrailingOptions.apply(this, trailing);
        String output = vm.console().recentOutput(lines).replace("\r\n", "\n");
        System.out.print(output);
        if (!output.isEmpty() && !output.endsWith("\n")) {
            System.out.println();
        }
        return null;
    }
}
