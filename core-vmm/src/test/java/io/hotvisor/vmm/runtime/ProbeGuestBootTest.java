package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@KvmTest
class ProbeGuestBootTest extends VmManagerFixture {
    private Vm probe(String name, String cmdline, String initrd) {
        return manager.create(new VmSpec(name, TestImages.probeGuest().toString(), initrd, cmdline, 1, 64L << 20));
    }

    /** Event types, each followed by its reason if it has one, in the order published. */
    private List<String> recordEvents() {
        List<String> events = new CopyOnWriteArrayList<>();
        manager.addListener(new VmListener() {
            @Override
            public void event(VmEvent event) {
                events.add(event.type() + event.data().getOrDefault("reason", ""));
            }
        });
        return events;
    }

    @Test
    void bootsAndPrintsWhatItReceived() {
        Vm vm = probe("boot", "console=ttyS0 hotvisor.test=banner", null);
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("Hotvisor probe guest 0.1", BOOT);
        console.waitFor("cmdline: console=ttyS0 hotvisor.test=banner\r\n", BOOT);
        console.waitFor("e820: [mem 0x0000000000000000-0x000000000009ffff] usable", BOOT);
        console.waitFor("e820: [mem 0x0000000000100000-0x0000000003ffffff] usable", BOOT);
        console.waitFor("initrd: none", BOOT);
        console.waitFor("probe> ", BOOT);
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
        assertThat(vm.bootMarkers()).extracting(BootMarker::value).startsWith(1, 2, 3);
        assertThat(data.resolve("boot/console.log")).content().contains("Hotvisor probe guest 0.1");
    }

    @Test
    void reportsTheInitrd(@TempDir Path files) throws Exception {
        Path initrd = Files.write(files.resolve("initrd.img"), new byte[12345]);
        Vm vm = probe("initrd", "console=ttyS0", initrd.toString());
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor(java.util.regex.Pattern.compile("initrd: addr=0x[0-9a-f]+ size=0x3039"), BOOT);
    }

    @Test
    void startsApplicationProcessorsWithInitSipi() {
        Vm vm = manager.create(new VmSpec("smp", TestImages.probeGuest().toString(), null,
                "console=ttyS0 probe.cpus=4", 4, 64L << 20));
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("smp: 4 cpus up", BOOT);
        assertThat(vm.console().recentOutput(100)).contains("cpu 1 online", "cpu 2 online", "cpu 3 online");
    }

    @Test
    void echoesTypedLines() {
        Vm vm = probe("echo", "console=ttyS0", null);
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", BOOT);
        console.sendLine("hello hotvisor");
        console.waitFor("you typed: hello hotvisor", BOOT);
        console.waitFor("probe> ", BOOT);
    }

    @Test
    void pauseResumeStopStart() {
        List<String> events = recordEvents();
        Vm vm = probe("cycle", "console=ttyS0", null);
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", BOOT);
        vm.pause();
        assertThat(vm.state()).isEqualTo(VmState.PAUSED);
        vm.resume();
        console.sendLine("after resume");
        console.waitFor("you typed: after resume", BOOT);
        vm.stop();
        assertThat(vm.state()).isEqualTo(VmState.STOPPED);
        vm.start();
        console.waitFor("Hotvisor probe guest 0.1", BOOT);
        console.waitFor("probe> ", BOOT);
        assertThat(events).containsExactly("STOP", "RESUME", "SHUTDOWNhost-ui");
    }

    @Test
    void rebootsThroughTheKeyboardController() {
        List<String> events = recordEvents();
        Vm vm = probe("reboot", "console=ttyS0", null);
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", BOOT);
        console.sendLine("reboot");
        console.waitFor("rebooting", BOOT);
        console.waitFor("Hotvisor probe guest 0.1", BOOT);
        console.waitFor("probe> ", BOOT);
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
        assertThat(events).containsExactly("RESETguest-reset");
    }
}
