package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.command.support.TrailingOptions;
import io.hotvisor.vmm.command.support.VmAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

/** Lists a running VM's ACPI tables, or dumps them as SIG.dat files for iasl -d and acpiexec. */
@Command(scope = "vm", name = "acpi", description = "Lists a running VM's ACPI tables (--dump DIR writes SIG.dat files)")
@Service
public class VmAcpi extends VmAction {

    @Argument(index = 1, name = "options", description = "the options may also follow the arguments", multiValued = true)
    List<String> trailing;
    static final String FORMAT = "%-4s %-12s %7s %-6s %-8s %s%n";

    @Option(name = "--dump", description = "directory to write each table to as SIG.dat")
    @Completion(FileCompleter.class)
    String dump;

    @Override
    protected Object execute(Vm vm) throws Exception {
        TrailingOptions.apply(this, trailing);
        List<AcpiTable> tables = vm.acpiTables();
        if (tables.isEmpty()) {
            throw new VmException(vm.name() + " is not running (state " + vm.state().label() + "): it has no ACPI tables");
        }
        System.out.printf(FORMAT, "SIG", "ADDRESS", "LENGTH", "OEM", "TABLE", "CHECKSUM");
        for (AcpiTable table : tables) {
            System.out.printf(FORMAT, table.signature(), table.address(), table.length(), table.oemId(),
                    table.oemTableId(), table.checksumValid() ? "ok" : "BAD");
        }
        if (dump != null) {
            Path directory = Files.createDirectories(Path.of(dump));
            for (AcpiTable table : tables) {
                Files.write(directory.resolve(table.signature() + ".dat"), table.bytes());
            }
            System.out.println(tables.size() + " tables written to " + directory.toAbsolutePath());
        }
        return null;
    }
}
