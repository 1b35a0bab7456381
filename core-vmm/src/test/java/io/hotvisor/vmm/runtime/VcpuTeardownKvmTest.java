package io.hotvisor.vmm.runtime;

import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.acpi.Asl;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.TestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A vCPU held in a device handler while the host stops, pauses or fails the VM. The probe guest's
 * {@code hotplug} command reads the CPU controller page (found through ACPI0010 in the DSDT): here
 * a test capability serves that page, and its handler does what each test needs on the first read.
 */
@KvmTest
class VcpuTeardownKvmTest extends VmManagerFixture {
    /** An unusual RAM size (a single region below the 32-bit hole). */
    private static final long RAM = 0x3E0_0000L;
    private static final Duration QUICK = Duration.ofSeconds(5);

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch leave = new CountDownLatch(1);
    private volatile Consumer<Vm> onFirstRead = vm -> { };

    /** Audit row 4: the handler needs the vCPU table and the state while the VM stops; neither waits for the stop. */
    @Test
    void row4StopWhileAVcpuAsksForTheVcpusDoesNotWait() throws Exception {
        CountDownLatch stopping = new CountDownLatch(1);
        onFirstRead = vm -> {
            await(stopping);
            pause(500); // the stop is under way: it joins this thread
            vm.cpus().get(0);
            vm.state();
        };
        Vm vm = bootInHandler();
        CompletableFuture<Void> stop = CompletableFuture.runAsync(vm::stop);
        stopping.countDown();

        stop.get(QUICK.toSeconds(), TimeUnit.SECONDS);
        assertThat(vm.state()).isEqualTo(VmState.STOPPED);
        assertThat(vm.failure()).isEmpty();
    }

    /** Audit row 17: a vCPU that cannot pause makes the pause fail; the VM runs on, and pauses later. */
    @Test
    void row17PauseThatDoesNotHappenFailsAndTheVmRunsOn() {
        onFirstRead = vm -> await(leave);
        Vm vm = bootInHandler();

        assertThatThrownBy(vm::pause).isInstanceOf(VmException.class).hasMessageContaining("did not pause");
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);

        leave.countDown();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("cpu 1 enabled", BOOT);
        vm.pause();
        assertThat(vm.state()).isEqualTo(VmState.PAUSED);
        vm.resume();
    }

    /** A vCPU never dies silently: an Error in a device handler fails the VM with its reason. */
    @Test
    void anErrorOnAVcpuFailsTheVm() {
        onFirstRead = vm -> {
            throw new NoClassDefFoundError("io/hotvisor/gone/Handler");
        };
        Vm vm = bootInHandler();

        waitForState(vm, VmState.FAILED);
        assertThat(vm.failure()).hasValueSatisfying(why -> assertThat(why).contains("NoClassDefFoundError"));
    }

    /**
     * Audit row 6: a vCPU thread that outlives the bounded stop fails the VM, keeps RAM mapped while
     * it runs, and the machine is released once it ends; the VM then starts again.
     */
    @Test
    void row6LateVcpuFailsTheVmAndItsMachineGoesWhenItEnds() throws Exception {
        onFirstRead = vm -> await(leave);
        Vm vm = bootInHandler();
        long ram = vm.memory().regions().get(0).hostAddress();

        assertThatThrownBy(vm::stop).isInstanceOf(VmException.class).hasMessageContaining("did not stop");
        assertThat(vm.state()).isEqualTo(VmState.FAILED);
        assertThat(vm.failure()).hasValueSatisfying(why -> assertThat(why).contains("did not stop"));
        assertThat(mapped(ram)).as("RAM stays mapped while the vCPU runs").isTrue();
        assertThatThrownBy(vm::start).isInstanceOf(VmException.class).hasMessageContaining("has not ended");

        leave.countDown();
        long deadline = System.nanoTime() + QUICK.toNanos();
        while ((mapped(ram) || vcpuThreads() > 0) && System.nanoTime() < deadline) {
            pause(50);
        }
        assertThat(mapped(ram)).as("RAM unmapped once the vCPU ended").isFalse();
        assertThat(vcpuThreads()).isZero();
        vm.start();
        new ConsoleHarness(vm).waitFor("probe> ", BOOT);
    }

    /** Audit row 10 (a, c): an Error after the machine is built (here from an observer) closes it and fails the VM. */
    @Test
    void row10ErrorDuringStartReleasesTheMachine() throws Exception {
        boolean[] failNext = {true};
        long[] ram = {0};
        VmSpec spec = new VmSpec("start-error", TestImages.probeGuest().toString(), null, "console=ttyS0", 1, RAM);
        try (Kvm kvm = Kvm.open();
             VirtualMachine vm = new VirtualMachine(spec, () -> kvm, List::of, List::of, data, ConsoleLogLimits.DEFAULT,
                     new VirtualMachine.Observer() {
                 @Override
                 public void stateChanged(VirtualMachine vm, VmState from, VmState to) {
                 }

                 @Override
                 public void event(VmEvent event) {
                 }

                 @Override
                 public void machineBuilt(VirtualMachine vm) {
                     ram[0] = vm.memory().regions().get(0).hostAddress();
                     if (failNext[0]) {
                         failNext[0] = false;
                         throw new OutOfMemoryError("test: no memory for a listener");
                     }
                 }
             })) {
            assertThatThrownBy(vm::start).isInstanceOf(OutOfMemoryError.class);
            assertThat(vm.state()).isEqualTo(VmState.FAILED);
            assertThat(vm.failure()).hasValueSatisfying(why -> assertThat(why).contains("no memory for a listener"));
            assertThat(mapped(ram[0])).as("the failed start's RAM is unmapped").isFalse();
            assertThatThrownBy(vm::cpus).isInstanceOf(VmException.class);

            vm.start();
            new ConsoleHarness(vm).waitFor("probe> ", BOOT);
            assertThat(mapped(ram[0])).isTrue();
        }
        assertThat(mapped(ram[0])).isFalse();
    }

    /** Boots a 2-vCPU probe guest and runs {@code hotplug}; returns once a vCPU is in the handler. */
    private Vm bootInHandler() {
        manager.addCapability(new ControllerPage());
        Vm vm = manager.create(new VmSpec("held", TestImages.probeGuest().toString(), null, "console=ttyS0", 2, RAM));
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", BOOT);
        console.sendLine("hotplug");
        await(entered);
        return vm;
    }

    /** Serves the CPU controller page that the probe guest reads. */
    private final class ControllerPage implements MachineCapability {
        @Override
        public String name() {
            return "test-controller";
        }

        @Override
        public void contribute(Vm vm, MachineContribution contribution) {
            contribution.registerPage(name(), 0x1000);
            contribution.dsdt(List.of(device("\\_SB.CPUS", Asl.name("_HID", string("ACPI0010")))));
        }

        @Override
        public void attach(Vm vm, MachineAttachment attachment) {
            attachment.handleRegisters(new MmioDevice() {
                @Override
                public void read(long offset, byte[] data) {
                    data[0] = 1;
                    if (entered.getCount() > 0) {
                        entered.countDown();
                        onFirstRead.accept(vm);
                    }
                }

                @Override
                public void write(long offset, byte[] data) {
                }
            });
        }

        @Override
        public void detach(Vm vm, MachineAttachment attachment) {
        }
    }

    private static void waitForState(Vm vm, VmState state) {
        long deadline = System.nanoTime() + QUICK.toNanos();
        while (vm.state() != state && System.nanoTime() < deadline) {
            pause(20);
        }
        assertThat(vm.state()).isEqualTo(state);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long vcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vcpu-held-")).count();
    }

    /**
     * Whether guest RAM mapped at {@code host} is still mapped: a mapping of this process covers
     * all of it. By address, not by size: the kernel merges an anonymous mapping with a neighbour
     * of the same kind, so a size search can miss it.
     */
    private static boolean mapped(long host) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(line -> {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                return Long.parseUnsignedLong(range[0], 16) <= host && host + RAM <= Long.parseUnsignedLong(range[1], 16);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
