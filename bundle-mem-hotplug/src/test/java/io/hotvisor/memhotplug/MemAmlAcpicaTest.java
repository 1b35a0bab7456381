package io.hotvisor.memhotplug;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.ged.AcpiGed;
import io.hotvisor.vmm.acpi.AcpiMachine;
import io.hotvisor.vmm.acpi.AcpiTables;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.acpi.Acpica;
import io.hotvisor.vmm.testing.RecordingContribution;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DESIGN.md §8 layer 3 for the memory controller: the tables of a machine the service and the GED
 * contributed to disassemble cleanly, and acpiexec runs MSCN, the GED's _EVT for the memory bit,
 * and every slot's _STA, _CRS and _PXM without an AE_ status.
 */
class MemAmlAcpicaTest {
    @TempDir
    Path work;

    @ParameterizedTest(name = "{0} slots")
    @ValueSource(ints = {1, 8, 256})
    void tablesDisassembleAndTheHotplugMethodsRun(int slots) throws IOException {
        FakeMachine machine = FakeMachine.withRegion("4G", slots);
        RecordingContribution contribution = new RecordingContribution(FakeMachine.REGION_BASE);
        machine.service.contribute(machine.vm, contribution);
        new AcpiGed().contribute(machine.vm, contribution);
        assertThat(contribution.hotplugMemory).isEqualTo(4L << 30);
        assertThat(contribution.events).containsExactly(new MachineContribution.GedEvent(0x2, MemAml.SCAN_METHOD));
        assertThat(contribution.ospmSlots).containsExactly(Map.entry("DIMM", slots));

        AcpiMachine acpi = AcpiMachine.builder(1, 1).ram(0, 0xA0000).ram(0x10_0000, 512L << 20)
                .hotplugRegion(FakeMachine.REGION_BASE, 4L << 30).dsdt(contribution.dsdt).build();
        List<Path> files = new ArrayList<>();
        for (AcpiTable table : AcpiTables.build(acpi).tables()) {
            if (!List.of("RSDP", "XSDT").contains(table.signature())) {
                files.add(Files.write(work.resolve(table.signature() + ".dat"), table.bytes()));
            }
        }
        for (Path file : files) {
            Acpica.Result disassembly = Acpica.run(work, "iasl", "-d", file.getFileName().toString());
            assertThat(disassembly.exitCode()).as(disassembly.output()).isZero();
            assertThat(Acpica.linesMentioning(disassembly.output(), "error", "warning")).isEmpty();
        }
        String dsl = Files.readString(work.resolve("DSDT.dsl"));
        assertThat(dsl).contains("PNP0C80", "MSCN", "MCRS", "MOST", "MPXM", "MEJ0", "MTFY", "MRST",
                MemAml.slotName(slots - 1), "\\_SB.MHPC.MSCN");
        assertThat(Acpica.linesMentioning(dsl, "error", "warning", "incorrect", "invalid", "unknown")).isEmpty();

        List<String> commands = new ArrayList<>(List.of("evaluate " + MemAml.SCAN_METHOD, "evaluate \\_SB.GED._EVT 5"));
        for (int slot = 0; slot < slots; slot++) {
            for (String method : List.of("_STA", "_CRS", "_PXM")) {
                commands.add("evaluate \\_SB.MHPC." + MemAml.slotName(slot) + "." + method);
            }
        }
        List<String> command = new ArrayList<>(List.of("acpiexec"));
        files.forEach(file -> command.add(file.getFileName().toString()));
        Acpica.Result run = Acpica.runWithInput(work, String.join("\n", commands) + "\nquit\n",
                command.toArray(String[]::new));
        assertThat(Acpica.linesMentioning(run.output(), "AE_", "error", "failed")).as(run.output()).isEmpty();
        assertThat(run.output().lines().filter(line -> line.startsWith("Evaluating"))).hasSize(commands.size());
    }
}
