package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.arch.MemoryMap;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe guest as an ELF (probe-guest/target/probe-guest.elf) booted through its PVH note:
 * 32-bit entry with an hvm_start_info, from which the probe builds the zero page it reports.
 */
@KvmTest
class PvhBootTest extends VmManagerFixture {
    private Vm startProbe(String name, String cmdline, String initrd, int vcpus) {
        Vm vm = manager.create(new VmSpec(name, TestImages.probeGuestElf().toString(), initrd, cmdline, vcpus, 64L << 20));
        vm.start();
        return vm;
    }

    @Test
    void bootsThroughPvhAndSeesCommandLineMemoryMapAndAcpi() {
        Vm vm = startProbe("pvh", "console=ttyS0 hotvisor.test=pvh", null, 1);
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("Hotvisor probe guest 0.1", BOOT);
        int e820 = new MemoryMap(64L << 20).e820().size();
        console.waitFor("boot: pvh start_info 0x6000 version 1 memmap " + e820 + " modules 0\r\n", BOOT);
        console.waitFor("cmdline: console=ttyS0 hotvisor.test=pvh\r\n", BOOT);
        console.waitFor("e820: [mem 0x0000000000000000-0x000000000009ffff] usable", BOOT);
        console.waitFor("e820: [mem 0x0000000000100000-0x0000000003ffffff] usable", BOOT);
        console.waitFor("initrd: none", BOOT);
        console.waitFor(Pattern.compile("acpi: rsdp 0x[0-9a-f]+ rev 2 oem .* ok"), BOOT);
        console.waitFor("probe> ", BOOT);
        console.sendLine("over pvh");
        console.waitFor("you typed: over pvh", BOOT);
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
        assertThat(vm.bootMarkers()).extracting(BootMarker::value).startsWith(1, 2, 3);
    }

    @Test
    void passesTheInitrdAsAModule(@TempDir Path files) throws Exception {
        Path initrd = Files.write(files.resolve("initrd.img"), new byte[12345]);
        Vm vm = startProbe("pvh-initrd", "console=ttyS0", initrd.toString(), 1);
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("modules 1\r\n", BOOT);
        console.waitFor(Pattern.compile("initrd: addr=0x[0-9a-f]+000 size=0x3039"), BOOT);
    }

    @Test
    void startsApplicationProcessorsAfterAPvhBoot() {
        Vm vm = startProbe("pvh-smp", "console=ttyS0", null, 4);
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("smp: 4 cpus up", BOOT);
    }
}
