package io.hotvisor.cpuhotplug.command;

import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "cpu", name = "list", description = "Lists a running VM's possible CPUs: id, topology, state")
@Service
public class CpuList extends VmAction {
    static final String FORMAT = "%-4s %-6s %-4s %-6s %-14s %s%n";

    @Override
    protected Object execute(Vm vm) {
        System.out.printf(FORMAT, "ID", "SOCKET", "CORE", "THREAD", "STATE", "HOST-TID");
        for (VcpuInfo cpu : vm.cpus().list()) {
            System.out.printf(FORMAT, cpu.id(), cpu.socketId(), cpu.coreId(), cpu.threadId(), cpu.state().label(),
                    cpu.hostThreadId() == 0 ? "-" : cpu.hostThreadId());
        }
        return null;
    }
}
