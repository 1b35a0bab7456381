package io.hotvisor.pci.hotplug;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.ged.AcpiGed;
import io.hotvisor.vmm.acpi.AcpiMachine;
import io.hotvisor.vmm.acpi.AcpiTables;
import io.hotvisor.vmm.acpi.AddressRange;
import io.hotvisor.vmm.acpi.PciHostBridge;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.acpi.Acpica;
import io.hotvisor.vmm.testing.RecordingContribution;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md §8 layer 3 for the PCI hotplug controller: the DSDT with PHPR and the slot devices
 * disassembles cleanly; in acpiexec each slot answers _ADR and _SUN, the removable ones eject,
 * PCNT notifies device checks and eject requests, and the GED's _EVT reaches PSCN.
 */
class PciHotplugAmlAcpicaTest {
    private static final int FIXED_SLOT = 3;

    @TempDir
    Path work;

    @Test
    void slotsAnswerEjectAndAreNotifiedThroughTheGed() throws IOException {
        RecordingContribution contribution = new RecordingContribution(0);
        contribution.dsdt(PciHotplugAml.build(
                contribution.registerPage(PciHotplugService.CAPABILITY, PciHotplugService.REGISTER_PAGE_OFFSET),
                Set.of(FIXED_SLOT)));
        contribution.gedEvent(GedEvents.PCI, PciHotplugAml.SCAN_METHOD);
        new AcpiGed().contribute(null, contribution);

        List<Path> files = writeTables(contribution);
        for (Path file : files) {
            Acpica.Result disassembly = Acpica.run(work, "iasl", "-d", file.getFileName().toString());
            assertThat(disassembly.exitCode()).as(disassembly.output()).isZero();
            assertThat(Acpica.linesMentioning(disassembly.output(), "error", "warning")).isEmpty();
        }
        String dsl = Files.readString(work.resolve("DSDT.dsl"));
        assertThat(dsl).contains("Device (\\_SB.PHPR)", "PCEJ", "PSCN", "Method (PCNT", "Method (DVNT", "Device (S00)",
                "Device (S31)", "OperationRegion (PCST, SystemMemory, 0xF0003000, 0x10)");
        assertThat(Acpica.linesMentioning(dsl, "error", "warning", "incorrect", "invalid", "unknown")).isEmpty();

        List<String> commands = new ArrayList<>();
        for (int slot = 0; slot < 32; slot++) {
            String device = "\\_SB.PCI0." + PciHotplugAml.slotName(slot);
            commands.add("evaluate " + device + "._ADR");
            commands.add("evaluate " + device + "._SUN");
            if (slot != 0 && slot != FIXED_SLOT) {
                commands.add("evaluate " + device + "._EJ0 1");
            }
        }
        commands.add("evaluate \\_SB.PCI0.DVNT 0x24 1"); // device checks for slots 2 and 5
        commands.add("evaluate \\_SB.PCI0.DVNT 0x80 3"); // an eject request for slot 7
        commands.add("evaluate \\_SB.PCI0.DVNT 0x9 1"); // slot 0 and the fixed slot 3: nothing
        commands.add("evaluate \\_SB.GED._EVT 5");
        Acpica.Result run = acpiexec(files, commands);

        assertThat(Acpica.linesMentioning(run.output(), "AE_", "error", "failed")).as(run.output()).isEmpty();
        assertThat(run.output().lines().filter(line -> line.startsWith("Evaluating"))).hasSize(commands.size());
        assertThat(run.output()).contains("[Integer] = 0000000000070000", "[Integer] = 0000000000000007");
        assertThat(run.output().lines().filter(line -> line.contains("Received a System Notify")))
                .as(run.output()).hasSize(3)
                .anySatisfy(line -> assertThat(line).contains("[S02_]", "Value 0x01 (Device Check)"))
                .anySatisfy(line -> assertThat(line).contains("[S05_]", "Value 0x01 (Device Check)"))
                .anySatisfy(line -> assertThat(line).contains("[S07_]", "Value 0x03 (Eject Request)"));
        assertThat(dsl).doesNotContain("S03._EJ0");
    }

    private List<Path> writeTables(RecordingContribution contribution) throws IOException {
        AcpiMachine acpi = AcpiMachine.builder(1, 1).ram(0, 0xA0000).ram(0x10_0000, 512L << 20)
                .pciHostBridge(PciHostBridge.bus0(new AddressRange(1L << 36, 1L << 36)))
                .dsdt(contribution.dsdt).build();
        List<Path> files = new ArrayList<>();
        for (AcpiTable table : AcpiTables.build(acpi).tables()) {
            if (!List.of("RSDP", "XSDT").contains(table.signature())) {
                files.add(Files.write(work.resolve(table.signature() + ".dat"), table.bytes()));
            }
        }
        return files;
    }

    private Acpica.Result acpiexec(List<Path> files, List<String> commands) {
        List<String> command = new ArrayList<>(List.of("acpiexec"));
        files.forEach(file -> command.add(file.getFileName().toString()));
        return Acpica.runWithInput(work, String.join("\n", commands) + "\nquit\n", command.toArray(String[]::new));
    }
}
