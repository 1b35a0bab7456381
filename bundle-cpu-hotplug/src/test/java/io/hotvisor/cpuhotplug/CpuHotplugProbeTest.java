package io.hotvisor.cpuhotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.VcpuDump;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CPU hot-add and hot-remove end to end with the probe guest walking the controller as the AML does. */
@KvmTest
class CpuHotplugProbeTest {
    private static final Duration GUEST = Duration.ofSeconds(30);

    @TempDir
    Path data;
    private HotplugMachine machine;
    private Vm vm;
    private ConsoleHarness console;

    @BeforeEach
    void boot() {
        machine = new HotplugMachine(data);
        vm = machine.probe("hp", 1, 4);
        vm.start();
        console = new ConsoleHarness(vm);
        console.waitFor("probe> ", GUEST);
    }

    @AfterEach
    void shutDown() {
        machine.close();
    }

    private void awaitState(int cpu, VcpuInfo.State state) throws InterruptedException {
        long deadline = System.nanoTime() + GUEST.toNanos();
        while (vm.cpus().get(cpu).state() != state) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("CPU " + cpu + " stayed " + vm.cpus().get(cpu).state().label() + ", not "
                        + state.label() + "; console:\n" + vm.console().recentOutput(50));
            }
            Thread.sleep(5);
        }
    }

    private void addAndRemove(int cpu) throws InterruptedException {
        machine.devices.add(vm, CpuHotplug.DRIVER, "hcpu" + cpu, Map.of("core-id", cpu));
        console.waitFor("cpu " + cpu + " online", GUEST);
        awaitState(cpu, VcpuInfo.State.ONLINE);
        machine.devices.remove(vm, "hcpu" + cpu);
        console.waitFor("cpu " + cpu + " ejected", GUEST);
        awaitState(cpu, VcpuInfo.State.ABSENT);
    }

    @Test
    void addOnlineRemoveEject() throws InterruptedException {
        machine.devices.add(vm, CpuHotplug.DRIVER, "hcpu1", Map.of("socket-id", 0, "core-id", "1",
                "thread-id", 0));
        console.waitFor("cpu 1 hotplug insert", GUEST);
        console.waitFor("cpu 1 online", GUEST);
        awaitState(1, VcpuInfo.State.ONLINE);
        assertThat(machine.events).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("ACPI_DEVICE_OST");
            assertThat(event.data().toString()).contains("device=hcpu1", "source=1", "status=0", "slot=1");
        });

        machine.devices.remove(vm, "hcpu1");
        console.waitFor("cpu 1 eject request", GUEST);
        console.waitFor("cpu 1 ejected", GUEST);
        awaitState(1, VcpuInfo.State.ABSENT);
        // DEVICE_DELETED follows the park, on the vCPU thread that carried out the eject.
        long deadline = System.nanoTime() + GUEST.toNanos();
        while (machine.events.stream().noneMatch(event -> event.type().equals("DEVICE_DELETED"))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(machine.events).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("DEVICE_DELETED");
            assertThat(event.data()).containsEntry("device", "hcpu1").containsEntry("path", "/machine/peripheral/hcpu1");
        });
        assertThat(machine.devices.list(vm)).isEmpty();

        // A parked vCPU is reused. Added by number, it is a device without id all the same, and its
        // removal by number ends in its DEVICE_DELETED.
        assertThat(machine.cpuHotplug.add(vm, 1)).isEqualTo(1);
        console.waitFor("cpu 1 online", GUEST);
        PluggedDevice anonymous = machine.devices.list(vm).get(0);
        assertThat(anonymous.id()).isNull();
        assertThat(anonymous.path()).startsWith("/machine/peripheral-anon/device[");
        assertThat(machine.devices.describe(vm, anonymous).address()).isEqualTo("1");
        machine.cpuHotplug.remove(vm, 1);
        console.waitFor("cpu 1 ejected", GUEST);
        deadline = System.nanoTime() + GUEST.toNanos();
        while (!machine.devices.list(vm).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(machine.events).extracting(VmEvent::payload).contains(new VmEvent.DeviceDeleted(null, anonymous.path()));
    }

    /** As QEMU's: a reset keeps the hardware, hot-added CPUs included, under the ids they were added as. */
    @Test
    void hotAddedCpusSurviveAReset() throws InterruptedException {
        machine.devices.add(vm, CpuHotplug.DRIVER, "hcpu2", Map.of("core-id", 2));
        console.waitFor("cpu 2 online", GUEST);
        awaitState(2, VcpuInfo.State.ONLINE);

        console.skipExisting();
        vm.reset();
        console.waitFor(Pattern.compile("acpi: madt cpus 2 enabled, 2 online-capable: ids 0 2\r"), GUEST);
        console.waitFor("cpu 2 online", GUEST);
        console.waitFor("probe> ", GUEST);
        assertThat(vm.cpus().list()).filteredOn(VcpuInfo::plugged).extracting(VcpuInfo::id).containsExactly(0, 2);
        assertThat(machine.devices.list(vm)).extracting(PluggedDevice::id).containsExactly("hcpu2");

        machine.devices.remove(vm, "hcpu2");
        console.waitFor("cpu 2 ejected", GUEST);
        awaitState(2, VcpuInfo.State.ABSENT);
        assertThat(machine.events).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("DEVICE_DELETED");
            assertThat(event.data()).containsEntry("device", "hcpu2");
        });
    }

    @Test
    void refusals() throws InterruptedException {
        assertThatThrownBy(() -> machine.cpuHotplug.add(vm, 4)).hasMessageContaining("beyond max-vcpus");
        assertThatThrownBy(() -> machine.cpuHotplug.remove(vm, 0)).hasMessage("CPU 0 cannot be removed");
        assertThatThrownBy(() -> machine.cpuHotplug.remove(vm, 2)).hasMessage("CPU 2 is not present");
        machine.cpuHotplug.add(vm, 1);
        machine.cpuHotplug.add(vm, 2);
        console.waitFor("cpu 2 online", GUEST);
        awaitState(2, VcpuInfo.State.ONLINE);
        vm.pause(); // hold the guest so that the first removal stays pending
        machine.cpuHotplug.remove(vm, 1);
        assertThatThrownBy(() -> machine.cpuHotplug.remove(vm, 2)).hasMessage("the removal of CPU 1 is still pending");
        vm.resume();
        console.waitFor("cpu 1 ejected", GUEST);

        Vm fixed = machine.probe("fixed", 2, 2);
        fixed.start();
        assertThatThrownBy(() -> machine.cpuHotplug.add(fixed, 1)).hasMessageContaining("max-vcpus greater than vcpus");
    }

    /**
     * In the lab the probe guest triple-faults, or stops with its VM running, about once in a few
     * hundred hotplug cycles, just after a CPU came online. Not the VMM: the registers of a stopped
     * vCPU 0 (2026-12-06, VcpuDump, 6 of 6 stops) held L1's own state, not the guest's: RIP =
     * __svm_vcpu_run+0x9c in L1's kvm_amd (the instruction after its VMRUN; L1's console prints
     * the symbol), RSP in L1's kernel, CR0 80050033 and CR3 from L1, RAX an L1 page address (the
     * VMCB VMRUN takes), beside the guest's CR4 and EFER: something below the VMM (the emulator's
     * nested SVM, or L1's kvm_amd) put L1's state into the L2 vCPU. After a reset, or a stop with
     * that sign, the cycles run again on a new VM, loudly, since the test measures the VMM's
     * threads and fds, not the guest; a third such fault, or a stop without the sign, fails it.
     */
    @Test
    void hundredCyclesLeaveThreadAndFdCountsAsTheyWere() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                cycles();
                return;
            } catch (AssertionError | RuntimeException e) {
                boolean timedOut = String.valueOf(e.getMessage()).startsWith("timed out");
                // A call may fail while a reset rebuilds the machine; a leak assertion is no guest fault.
                boolean reset = (timedOut || e instanceof VmException) && guestResetWithin(Duration.ofSeconds(10));
                boolean l1State = !reset && timedOut && vm.state() == VmState.RUNNING && VcpuDump.holdsL1State(vm);
                if (attempt == 3 || !reset && !l1State) {
                    throw e;
                }
                System.err.println("*** the probe guest " + (reset ? "reset itself" : "stopped, a vCPU holding L1's state")
                        + " during the cycles; running them again on a new VM (the lab's emulator fault, lab/README.md): "
                        + e + (reset ? "" : "\n--- vCPUs ---\n" + VcpuDump.of(vm)));
                machine.manager.destroy(vm.name());
                vm = machine.probe("hp-again" + attempt, 1, 4);
                vm.start();
                console = new ConsoleHarness(vm);
                console.waitFor("probe> ", GUEST);
            }
        }
    }

    private boolean guestResetWithin(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            if (machine.events.stream().anyMatch(event -> event.vm().equals(vm.name())
                    && event.payload() instanceof VmEvent.Reset guestReset && guestReset.guest())) {
                return true;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return false;
    }

    private void cycles() throws InterruptedException {
        addAndRemove(1);
        long threads = vcpuThreads();
        long fds = openFds();
        for (int i = 0; i < 100; i++) {
            addAndRemove(1 + i % 3);
        }
        assertThat(vcpuThreads()).isLessThanOrEqualTo(threads + 2); // CPUs 2 and 3 got their (parked) vCPU once
        assertThat(openFds()).isLessThanOrEqualTo(fds + 2);
        long settledThreads = vcpuThreads();
        long settledFds = openFds();
        for (int i = 0; i < 30; i++) {
            addAndRemove(1 + i % 3);
        }
        assertThat(vcpuThreads()).isEqualTo(settledThreads);
        assertThat(openFds()).isEqualTo(settledFds);
    }

    private static long vcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vcpu-")).count();
    }

    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
