package io.hotvisor.memhotplug.command;

import io.hotvisor.memhotplug.DimmStatus;
import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "mem", name = "list", description = "Lists a running VM's DIMMs: slot, id, backend, base, size, state")
@Service
public class MemList extends MemAction {
    private static final String FORMAT = "%-4s %-16s %-16s %-18s %-6s %s%n";

    @Override
    protected Object execute(Vm vm) {
        System.out.print(table(hotplug.list(vm)));
        return null;
    }

    static String table(List<DimmStatus> dimms) {
        StringBuilder table = new StringBuilder(String.format(FORMAT, "SLOT", "ID", "BACKEND", "BASE", "SIZE", "STATE"));
        for (DimmStatus status : dimms) {
            table.append(String.format(FORMAT, status.dimm().slot(), status.dimm().device(), status.dimm().backend(),
                    String.format("0x%x", status.dimm().base()), MemorySize.format(status.dimm().size()),
                    status.state().label()));
        }
        return table.toString();
    }
}
