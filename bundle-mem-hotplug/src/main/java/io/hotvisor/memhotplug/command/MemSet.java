package io.hotvisor.memhotplug.command;

import io.hotvisor.memhotplug.Dimm;
import io.hotvisor.memhotplug.DimmState;
import io.hotvisor.memhotplug.DimmStatus;
import io.hotvisor.memhotplug.MemHotplugService;
import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.command.support.TrailingOptions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * Grows or shrinks a VM to a memory total. It removes whole DIMMs, the highest first, each
 * waiting for the guest to eject it, while the VM has more than TOTAL; then adds one DIMM for
 * what is missing (so shrinking by less than a DIMM removes it and adds the rest back).
 */
@Command(scope = "mem", name = "set", description = "Adds or removes DIMMs until the VM has TOTAL memory")
@Service
public class MemSet extends MemAction {
    @Argument(index = 2, name = "options", description = "the options may also follow the arguments", multiValued = true)
    List<String> trailing;

    @Argument(index = 1, name = "total", description = "the memory wanted, boot memory included, e.g. 2G", required = true)
    String total;

    @Option(name = "--timeout", description = "seconds to wait for the guest to eject each DIMM (default 30)")
    int timeoutSeconds = 30;

    private static final long BLOCK = 128L << 20;

    @Override
    protected Object execute(Vm vm) throws InterruptedException {
        TrailingOptions.apply(this, trailing);
        long target = MemorySize.parse(total);
        long boot = vm.spec().memory();
        if (target < boot || (target - boot) % BLOCK != 0) {
            throw new VmException("TOTAL must be the boot memory (" + MemorySize.format(boot)
                    + ") plus a multiple of 128M");
        }
        while (current(vm) > target) {
            Dimm last = hotplug.list(vm).stream().map(DimmStatus::dimm).max(Comparator.comparingLong(Dimm::base))
                    .orElseThrow();
            if (state(vm, last.device()).filter(DimmState.PENDING_REMOVE::equals).isEmpty()) {
                devices.remove(vm, last.device());
            }
            awaitEjected(vm, last.device());
        }
        long missing = target - current(vm);
        if (missing > 0) {
            devices.add(vm, MemHotplugService.DRIVER, freeId(vm), Map.of("size", missing));
        }
        System.out.println(vm.name() + " has " + MemorySize.format(target) + " of memory");
        return null;
    }

    private long current(Vm vm) {
        return vm.spec().memory() + hotplug.list(vm).stream().mapToLong(status -> status.dimm().size()).sum();
    }

    private Optional<DimmState> state(Vm vm, String device) {
        return hotplug.list(vm).stream().filter(status -> status.dimm().device().equals(device))
                .map(DimmStatus::state).findFirst();
    }

    private void awaitEjected(Vm vm, String device) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        for (Optional<DimmState> state = state(vm, device); state.isPresent(); state = state(vm, device)) {
            if (state.get() == DimmState.FAILED_REMOVE) {
                throw new VmException("the guest refused to release DIMM " + device + "; it stays plugged");
            }
            if (System.nanoTime() > deadline) {
                throw new VmException("the guest did not eject DIMM " + device + " within " + timeoutSeconds + " s");
            }
            Thread.sleep(20);
        }
    }
}
