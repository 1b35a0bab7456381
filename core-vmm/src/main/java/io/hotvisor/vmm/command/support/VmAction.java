package io.hotvisor.vmm.command.support;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/** Base of the commands that act on one VM named by their first argument. */
public abstract class VmAction implements Action {
    @Reference
    protected VmManager manager;

    @Argument(index = 0, name = "name", description = "VM name", required = true)
    @Completion(VmNameCompleter.class)
    protected String name;

    @Override
    public Object execute() throws Exception {
        return execute(manager.get(name));
    }

    protected abstract Object execute(Vm vm) throws Exception;
}
