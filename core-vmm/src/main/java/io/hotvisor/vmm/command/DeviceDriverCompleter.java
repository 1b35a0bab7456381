package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of the device drivers installed now. */
@Service
public class DeviceDriverCompleter implements Completer {
    @Reference
    DeviceManager devices;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter(devices.drivers().stream().map(DeviceDriver::name).toList());
        return names.complete(session, commandLine, candidates);
    }
}
