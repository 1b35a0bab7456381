package io.hotvisor.vmm.command.support;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of defined VMs. */
@Service
public class VmNameCompleter implements Completer {
    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter(manager.list().stream().map(Vm::name).toList());
        return names.complete(session, commandLine, candidates);
    }
}
