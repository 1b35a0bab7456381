package io.hotvisor.qmp.shell;

import io.hotvisor.qmp.QmpService;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code qmp:exec VM 'JSON'}: runs QMP input on a VM as a client that already negotiated would,
 * and prints each JSON answer on a line of its own (errors too, as QMP error objects), so that
 * scripts can parse the output.
 */
@Command(scope = "qmp", name = "exec", description = "Runs a QMP command on a VM and prints the JSON answer")
@Service
public class QmpExec implements Action {
    @Reference
    private QmpService qmp;

    @Argument(index = 0, name = "vm", description = "the VM", required = true)
    private String vm;

    @Argument(index = 1, name = "json", description = "QMP input, e.g. '{\"execute\": \"query-status\"}'",
            required = true, multiValued = true)
    private List<String> json;

    @Override
    public Object execute() {
        for (String answer : qmp.execute(vm, String.join(" ", json))) {
            System.out.println(answer);
        }
        return null;
    }
}
