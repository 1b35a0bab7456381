package io.hotvisor.cpuhotplug;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.acpi.Acpica;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tables of a real VM with GED and CPU hotplug (1 boot CPU, 4 possible) disassemble cleanly
 * and run in acpiexec: the GED's _EVT, CSCN and every processor's _STA.
 */
@KvmTest
class CpuHotplugAcpicaTest {
    @TempDir
    Path work;

    @Test
    void tablesDisassembleAndTheHotplugMethodsRun() throws Exception {
        List<Path> files = new ArrayList<>();
        try (HotplugMachine machine = new HotplugMachine(work.resolve("data"))) {
            Vm vm = machine.probe("aml", 1, 4);
            vm.start();
            new ConsoleHarness(vm).waitFor("probe> ", Duration.ofSeconds(30));
            for (AcpiTable table : vm.acpiTables()) {
                if (!List.of("RSDP", "XSDT").contains(table.signature())) {
                    files.add(Files.write(work.resolve(table.signature() + ".dat"), table.bytes()));
                }
            }
        }
        for (Path file : files) {
            Acpica.Result disassembly = Acpica.run(work, "iasl", "-d", file.getFileName().toString());
            assertThat(disassembly.exitCode()).as(disassembly.output()).isZero();
            assertThat(Acpica.linesMentioning(disassembly.output(), "error", "warning")).isEmpty();
        }
        assertThat(Files.readString(work.resolve("DSDT.dsl"))).contains("ACPI0013", "ACPI0010", "C003", "CSCN", "_EVT");

        List<String> commands = new ArrayList<>(List.of("evaluate \\_SB.CPUS.CSCN", "evaluate \\_SB.GED._EVT 5"));
        for (int cpu = 0; cpu < 4; cpu++) {
            commands.add("evaluate \\_SB.CPUS." + CpuAml.processorName(cpu) + "._STA");
            commands.add("evaluate \\_SB.CPUS." + CpuAml.processorName(cpu) + "._MAT");
        }
        commands.add("quit");
        List<String> command = new ArrayList<>(List.of("acpiexec"));
        files.forEach(file -> command.add(file.getFileName().toString()));
        Acpica.Result run = Acpica.runWithInput(work, String.join("\n", commands) + "\n", command.toArray(String[]::new));
        assertThat(Acpica.linesMentioning(run.output(), "AE_", "error", "failed")).as(run.output()).isEmpty();
        assertThat(run.output().lines().filter(line -> line.startsWith("Evaluating"))).hasSize(10);
    }
}
