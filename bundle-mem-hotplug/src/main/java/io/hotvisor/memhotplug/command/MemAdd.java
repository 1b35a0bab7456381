package io.hotvisor.memhotplug.command;

import io.hotvisor.memhotplug.MemHotplugService;
import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.command.support.TrailingOptions;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** Adds a pc-dimm; without --memdev the DIMM gets a RAM backend of its own, which goes with it. */
@Command(scope = "mem", name = "add", description = "Hot-adds a DIMM of SIZE (or of an existing backend, --memdev)")
@Service
public class MemAdd extends MemAction {
    @Argument(index = 1, name = "size", description = "the DIMM's size, a multiple of 128M, e.g. 512M or 1G")
    String size;

    @Argument(index = 2, name = "options", description = "the options may also follow the arguments", multiValued = true)
    List<String> trailing;

    @Option(name = "--id", description = "the DIMM's device id (default: the lowest free dimmN)")
    String id;

    @Option(name = "--memdev", description = "a memory backend to plug instead of a new RAM backend")
    String memdev;

    @Override
    protected Object execute(Vm vm) {
        TrailingOptions.apply(this, trailing);
        if ((size == null) == (memdev == null)) {
            throw new VmException("give the DIMM's SIZE or --memdev BACKEND, not both");
        }
        String device = id != null ? id : freeId(vm);
        Map<String, Object> properties = memdev != null ? Map.of("memdev", memdev)
                : Map.of("size", MemorySize.parse(size));
        devices.add(vm, MemHotplugService.DRIVER, device, properties);
        System.out.println("dimm " + device + " added to " + vm.name());
        return null;
    }
}
