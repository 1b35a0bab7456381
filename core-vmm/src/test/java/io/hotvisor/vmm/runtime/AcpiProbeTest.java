package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.TestImages;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The probe guest walks the ACPI tables the VMM builds, starts the APs the MADT lists, powers off. */
@KvmTest
class AcpiProbeTest extends VmManagerFixture {
    private final List<VmEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void recordEvents() {
        manager.addListener(new VmListener() {
            @Override
            public void event(VmEvent event) {
                events.add(event);
            }
        });
    }

    private Vm boot(int vcpus) {
        Vm vm = manager.create(new VmSpec("acpi" + vcpus, TestImages.probeGuest().toString(), null, "console=ttyS0",
                vcpus, 64L << 20));
        vm.start();
        return vm;
    }

    @Test
    void fourCpusFromTheMadtComeUpAndEveryChecksumHolds() {
        Vm vm = boot(4);
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor(Pattern.compile("acpi: rsdp 0xe0000 rev 2 oem HOTVSR ok"), BOOT);
        console.waitFor("acpi: madt cpus 4 enabled, 0 online-capable: ids 0 1 2 3", BOOT);
        console.waitFor("smp: 4 cpus up", BOOT);
        console.waitFor("probe> ", BOOT);
        String output = vm.console().recentOutput(200);
        assertThat(output).contains("acpi: XSDT", "acpi: FACP", "acpi: DSDT", "acpi: APIC", "acpi: SRAT")
                .doesNotContain("checksum BAD")
                .contains("acpi: fadt hw-reduced=1 sleep=io:0x600 reset=io:0x600/0x1");
        assertThat(vm.acpiTables()).extracting(AcpiTable::signature).startsWith("RSDP").contains("FACP", "DSDT", "APIC");
        assertThat(vm.acpiTables()).allMatch(AcpiTable::checksumValid);
    }

    @Test
    void poweroffThroughTheFadtSleepRegisterShutsTheVmDown() throws Exception {
        Vm vm = boot(1);
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", BOOT);
        console.sendLine("poweroff");
        console.waitFor("powering off", BOOT);
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (vm.state() != VmState.SHUTDOWN && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(vm.state()).isEqualTo(VmState.SHUTDOWN);
        assertThat(events).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("SHUTDOWN");
            assertThat(event.data()).containsEntry("guest", true).containsEntry("reason", "guest-shutdown");
        });
        vm.start();
        console.waitFor("Hotvisor probe guest 0.1", BOOT);
    }

    @Test
    void resetRebootsTheGuest() {
        Vm vm = boot(2);
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("smp: 2 cpus up", BOOT);
        console.waitFor("probe> ", BOOT);
        vm.reset();
        console.waitFor("Hotvisor probe guest 0.1", BOOT);
        console.waitFor("smp: 2 cpus up", BOOT);
        assertThat(events).extracting(VmEvent::type).contains("RESET");
    }
}
