package io.hotvisor.cpuhotplug.command;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.command.support.TrailingOptions;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * Grows or shrinks a VM to a CPU count. Removals go one at a time (the controller takes one
 * pending removal), each waiting for the guest to eject the CPU.
 */
@Command(scope = "cpu", name = "set", description = "Adds or removes CPUs until the VM has COUNT")
@Service
public class CpuSet extends CpuAction {

    @Argument(index = 2, name = "options", description = "the options may also follow the arguments", multiValued = true)
    List<String> trailing;
    @Argument(index = 1, name = "count", description = "the number of CPUs wanted", required = true)
    int count;

    @Option(name = "--timeout", description = "seconds to wait for the guest to eject each CPU (default 30)")
    int timeoutSeconds = 30;

    @Override
    protected Object execute(Vm vm) throws InterruptedException {
        TrailingOptions.apply(this, trailing);
        if (count < 1 || count > vm.cpus().maxVcpus()) {
            throw new VmException("count must be between 1 and max-vcpus (" + vm.cpus().maxVcpus() + ")");
        }
        while (plugged(vm).size() < count) {
            hotplug.add(vm, CpuHotplug.LOWEST_ABSENT);
        }
        while (plugged(vm).size() > count) {
            List<VcpuInfo> present = plugged(vm);
            int last = present.get(present.size() - 1).id();
            hotplug.remove(vm, last);
            awaitEjected(vm, last);
        }
        System.out.println(vm.name() + " has " + count + " CPUs");
        return null;
    }

    private static List<VcpuInfo> plugged(Vm vm) {
        return vm.cpus().list().stream().filter(VcpuInfo::plugged).toList();
    }

    private void awaitEjected(Vm vm, int cpu) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (vm.cpus().get(cpu).plugged()) {
            if (System.nanoTime() > deadline) {
                throw new VmException("the guest did not eject CPU " + cpu + " within " + timeoutSeconds + " s");
            }
            Thread.sleep(20);
        }
    }
}
