package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.api.acpi.AcpiTable;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.acpi.Acpica;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DESIGN.md §8 layer 3: for a range of VM shapes, every table but the RSDP (which iasl 2020 does
 * not disassemble; AcpiTablesTest checks it) disassembles with {@code iasl -d} without an error or
 * warning, and acpiexec loads them (our FADT included) and evaluates every device's {@code _STA}
 * and {@code _CRS}, {@code \_S5_} and the sample capability's methods without an {@code AE_} status.
 */
class AcpiTablesAcpicaTest {
    private static final long GIB = 1L << 30;
    private static final Pattern DEVICE_LINE = Pattern.compile("^\\s*(\\\\\\S+)\\s+Device\\s", Pattern.MULTILINE);
    private static final Pattern OBJECT_LINE = Pattern.compile("^\\s*(\\\\\\S+\\.(_STA|_CRS))\\s", Pattern.MULTILINE);
    private static final Pattern EVALUATING_LINE = Pattern.compile("^Evaluating (\\S+)$", Pattern.MULTILINE);

    /** ToUUID("33DB4D5B-1FF7-401C-9657-7441C03DD766"), the PCI host bridge's _OSC UUID, as acpiexec takes a buffer. */
    private static final String PCI_OSC_UUID = "(5B 4D DB 33 F7 1F 1C 40 96 57 74 41 C0 3D D7 66)";

    @TempDir
    Path workDir;

    record Shape(int bootVcpus, int possibleVcpus, boolean hotplugRegion, boolean pci) {
        AcpiMachine machine() {
            AcpiMachine.Builder builder = AcpiMachine.builder(bootVcpus, possibleVcpus);
            if (hotplugRegion) {
                // 4 GiB of RAM around the 32-bit hole, the hotplug region after it, and what capabilities add.
                builder.ram(0, 0xA0000).ram(0x10_0000, 0xC000_0000L - 0x10_0000).ram(4 * GIB, GIB)
                        .hotplugRegion(8 * GIB, 16 * GIB)
                        .dsdt(SampleCapabilityAml.forVcpus(possibleVcpus))
                        .madtEntry(SampleCapabilityAml.madtEntry())
                        .sratEntry(SampleCapabilityAml.sratEntry());
            } else {
                builder.ram(0, 0xA0000).ram(0x10_0000, 512 << 20).cmosRtc(true);
            }
            if (pci) {
                builder.pciHostBridge(PciHostBridge.bus0(new AddressRange(32 * GIB, 32 * GIB)));
            }
            return builder.build();
        }

        @Override
        public String toString() {
            return bootVcpus + "/" + possibleVcpus + " vCPUs" + (hotplugRegion ? ", hotplug region + contributions" : "")
                    + (pci ? ", PCI" : "");
        }
    }

    static Stream<Shape> shapes() {
        Stream<Shape> grid = IntStream.of(1, 2, 4, 16, 64).boxed()
                .flatMap(boot -> IntStream.of(boot, Math.min(2 * boot, AcpiMachine.MAX_VCPUS)).distinct()
                        .mapToObj(possible -> new int[] {boot, possible}))
                .flatMap(vcpus -> Stream.of(false, true).flatMap(hotplug -> Stream.of(false, true)
                        .map(pci -> new Shape(vcpus[0], vcpus[1], hotplug, pci))));
        return Stream.concat(grid, Stream.of(new Shape(1, 255, true, true), new Shape(64, 255, true, true),
                new Shape(255, 255, true, false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyTableDisassemblesCleanly(Shape shape) throws IOException {
        List<Path> files = dumpTables(AcpiTables.build(shape.machine()));
        List<String> command = new ArrayList<>(List.of("iasl", "-d"));
        files.forEach(file -> command.add(file.getFileName().toString()));

        Acpica.Result result = Acpica.run(workDir, command.toArray(String[]::new));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(Acpica.linesMentioning(result.output(), "error", "warning")).as(result.output()).isEmpty();
        for (Path file : files) {
            Path disassembly = workDir.resolve(file.getFileName().toString().replace(".dat", ".dsl"));
            String text = Files.readString(disassembly);
            assertThat(Acpica.linesMentioning(text, "error", "warning", "incorrect", "invalid", "unknown"))
                    .as(disassembly.toString()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void acpiexecLoadsTheTablesAndEvaluatesEveryDevice(Shape shape) throws IOException {
        List<Path> files = dumpTables(AcpiTables.build(shape.machine()));

        String namespace = acpiexec(files, List.of("objects DEVICE", "find _STA", "find _CRS"));
        List<String> devices = matches(DEVICE_LINE, namespace).stream()
                .filter(device -> device.startsWith("\\_SB.")).toList();
        List<String> objects = matches(OBJECT_LINE, namespace);
        assertThat(objects).as("every device has _STA")
                .containsAll(devices.stream().map(device -> device + "._STA").toList());
        assertThat(devices).contains("\\_SB.COM1", "\\_SB.PWRB");
        if (shape.pci()) {
            assertThat(devices).contains("\\_SB.PCI0", "\\_SB.ECAM");
        }
        if (shape.hotplugRegion()) {
            assertThat(devices).hasSize(5 + (shape.pci() ? 2 : 0) + shape.possibleVcpus());
        }

        List<String> commands = new ArrayList<>(objects.stream().map(object -> "evaluate " + object).toList());
        commands.add("evaluate \\_S5_");
        if (shape.pci()) {
            commands.add("evaluate \\_SB.PCI0._PRT");
            commands.add("execute \\_SB.PCI0._OSC " + PCI_OSC_UUID + " 1 3 (00 00 00 00 1F 00 00 00 1F 00 00 00)");
        }
        if (shape.hotplugRegion()) {
            commands.add("evaluate \\_SB.CPUS.CSCN");
            commands.add("execute \\_SB.GED._EVT 1");
        }
        String output = acpiexec(files, commands);

        assertThat(matches(EVALUATING_LINE, output)).as(output).hasSize(commands.size());
    }

    /**
     * Linux asks for every PCIe feature; {@code _OSC} grants all but native hotplug (ACPI hotplug
     * owns the slots) and says it masked one, and it refuses a UUID that is not the host bridge's.
     */
    @Test
    void pciOscGrantsAllButNativeHotplug() throws IOException {
        List<Path> files = dumpTables(AcpiTables.build(new Shape(1, 2, false, true).machine()));

        String output = acpiexec(files, List.of(
                "execute \\_SB.PCI0._OSC " + PCI_OSC_UUID + " 1 3 (00 00 00 00 1F 00 00 00 1F 00 00 00)",
                "execute \\_SB.PCI0._OSC (00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00) 1 3 (00 00 00 00 00 00 00 00 00 00 00 00)"));

        assertThat(output).contains("10 00 00 00 1F 00 00 00 1E 00 00 00");
        assertThat(output).contains("04 00 00 00 00 00 00 00 00 00 00 00");
    }

    /** The batch form, {@code acpiexec -b "cmd; cmd" tables...}, once: it is slow (below), not different. */
    @Test
    void acpiexecBatchModeEvaluatesTheCoreDevices() throws IOException {
        List<Path> files = dumpTables(AcpiTables.build(new Shape(2, 4, true, true).machine()));
        List<String> command = new ArrayList<>(List.of("acpiexec", "-b",
                "evaluate \\_SB.COM1._STA; evaluate \\_SB.COM1._CRS; evaluate \\_SB.PCI0._CRS; "
                        + "evaluate \\_SB.ECAM._CRS; evaluate \\_SB.CPUS.C003._STA; evaluate \\_S5_"));
        command.addAll(acpiexecInputs(files));

        Acpica.Result result = Acpica.run(workDir, command.toArray(String[]::new));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(Acpica.linesMentioning(result.output(), "AE_", "error", "warning")).as(result.output()).isEmpty();
        assertThat(matches(EVALUATING_LINE, result.output())).as(result.output()).hasSize(6);
    }

    /**
     * Runs acpiexec on the tables (it makes its own RSDP and XSDT around them, and uses our FADT)
     * and feeds it {@code commands} on standard input: its interactive mode does in milliseconds
     * what its batch mode (-b) does in a second, which it spends tearing down its debugger thread.
     */
    private String acpiexec(List<Path> files, List<String> commands) {
        List<String> command = new ArrayList<>(List.of("acpiexec"));
        command.addAll(acpiexecInputs(files));
        Acpica.Result result = Acpica.runWithInput(workDir, String.join("\n", commands) + "\nquit\n",
                command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(Acpica.linesMentioning(result.output(), "AE_", "error", "warning", "failed"))
                .as(result.output()).isEmpty();
        return result.output();
    }

    private static List<String> acpiexecInputs(List<Path> files) {
        return files.stream().map(file -> file.getFileName().toString())
                .filter(name -> !name.startsWith(Xsdt.SIGNATURE)).toList();
    }

    /** Writes every table but the RSDP (iasl has no use for it alone) to SIG.dat. */
    private List<Path> dumpTables(AcpiTables tables) throws IOException {
        List<Path> files = new ArrayList<>();
        for (AcpiTable table : tables.tables()) {
            if (!table.signature().equals("RSDP")) {
                files.add(Files.write(workDir.resolve(table.signature() + ".dat"), table.bytes()));
            }
        }
        return files;
    }

    private static List<String> matches(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
