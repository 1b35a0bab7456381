package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.kvm.IoctlFaults;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.OpenFds;
import io.hotvisor.vmm.testing.TestImages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, fault injection: each KVM ioctl of creating and booting a VM, and of hot-adding a
 * vCPU to it, fails in turn (IoctlFaults). Whichever it is, the start fails and the VM is
 * {@code failed} naming the ioctl, or the VM runs on (or fails, naming it); and once the VMs are
 * destroyed no fd or thread is left.
 */
@KvmTest
class FaultInjectionKvmTest extends VmManagerFixture {
    /** An unusual RAM size (one region below the 32-bit hole). */
    private static final long RAM = 0x3D0_0000L;
    /** More ioctls than a probe boot and a vCPU hot-add make: a bound for the walk. */
    private static final int MAX_STEPS = 600;

    record Usage(long fds, long vmThreads) {
        static Usage now() throws InterruptedException {
            Thread.sleep(100); // daemon threads of stop requests end on their own
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("vcpu-") || t.getName().startsWith("vm-")
                            || t.getName().startsWith("io-"))
                    .count();
            return new Usage(OpenFds.anonymous(), threads);
        }
    }

    @AfterEach
    void disarm() {
        IoctlFaults.failNth(0);
    }

    @Test
    void everyIoctlOfCreateBootAndHotAddMayFailAndLeavesNothingBehind() throws InterruptedException {
        round(0); // loads the native libraries and opens /dev/kvm
        Usage baseline = Usage.now();
        List<String> outcomes = new ArrayList<>();
        List<String> leaks = new ArrayList<>();
        int step = 1;
        while (step < MAX_STEPS && round(step, outcomes)) {
            Usage after = Usage.now();
            if (!after.equals(baseline)) {
                leaks.add("step " + step + " (" + outcomes.get(outcomes.size() - 1) + "): " + after);
                baseline = after;
            }
            step++;
        }
        assertThat(step).as("the walk ends when a whole round makes fewer ioctls than the armed one")
                .isBetween(20, MAX_STEPS - 1);
        System.out.printf("fault injection: %d ioctls walked; %d failed the start, %d a vCPU hot-add, %d a running VM%n",
                step - 1, outcomes.stream().filter(o -> o.contains(": start failed:")).count(),
                outcomes.stream().filter(o -> o.contains(": hot-add failed:")).count(),
                outcomes.stream().filter(o -> o.contains("while the VM ran")).count());
        assertThat(leaks).as("rounds that left something behind (baseline %s)", baseline).isEmpty();
        assertThat(outcomes).anyMatch(outcome -> outcome.contains(": start failed:"))
                .anyMatch(outcome -> outcome.contains(": hot-add failed:"));
    }

    private void round(int step) {
        round(step, new ArrayList<>());
    }

    /** One VM with the {@code step}th ioctl failing; whether the fault fired (then its outcome is added). */
    private boolean round(int step, List<String> outcomes) {
        Vm vm = manager.create(new VmSpec("fault" + step, TestImages.probeGuest().toString(), null, "console=ttyS0",
                1, 2, RAM, Map.of()));
        IoctlFaults.failNth(step);
        String outcome;
        try {
            vm.start();
            awaitPromptOrFailure(vm);
            outcome = "fired while the VM ran";
            if (vm.state() == VmState.RUNNING) {
                try {
                    vm.cpus().plug(1);
                } catch (VmException e) {
                    assertThat(e).hasMessageContaining("injected fault");
                    assertThat(vm.state()).as("a failed hot-add costs the hot-add, or fails the VM")
                            .isIn(VmState.RUNNING, VmState.FAILED);
                    outcome = "hot-add failed: " + e.getMessage();
                }
            }
        } catch (VmException e) {
            assertThat(vm.state()).isEqualTo(VmState.FAILED);
            assertThat(vm.failure()).hasValueSatisfying(reason -> assertThat(reason).contains("injected fault"));
            outcome = "start failed: " + e.getMessage();
        }
        boolean fired = !IoctlFaults.pending();
        IoctlFaults.failNth(0);
        if (fired) {
            outcomes.add("step " + step + ": " + outcome + " (state " + vm.state() + ")");
        }
        manager.destroy(vm.name());
        return fired;
    }

    /** The probe's prompt, or the VM failed (a fault on a vCPU thread): nothing else may happen. */
    private static void awaitPromptOrFailure(Vm vm) throws VmException {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (System.nanoTime() < deadline) {
            if (vm.state() == VmState.FAILED || vm.console().recentOutput(5).contains("probe> ")) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError(vm.name() + " neither reached its prompt nor failed within " + BOOT.toSeconds()
                + " s; state " + vm.state() + ", console:\n" + vm.console().recentOutput(20));
    }
}
