package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.testing.KvmTest;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Where the Linux tests run (L1 of the lab, or a host with fast KVM): /dev/kvm works and
 * Hotvisor boots the probe guest there. A failure here explains the Linux failures that follow.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(1)
class ProbeGuestTest {
    private static final Duration BOOT = Duration.ofSeconds(60);

    @Test
    void kvmIsUsable() {
        assertThat(Kvm.available()).as("/dev/kvm usable in " + LinuxKit.get().where()).isTrue();
    }

    @Test
    void probeGuestBootsToItsPrompt(LinuxGuests.Guests guests) {
        GuestConsole console = guests.probe("probe", "console=ttyS0 probe.cpus=2", 2);
        long start = System.nanoTime();
        guests.manager().get("probe").start();
        console.waitFor("smp: 2 cpus up", BOOT);
        console.waitFor("probe> ", BOOT);
        Timings.record("l2-probe-boot-to-prompt", Duration.ofNanos(System.nanoTime() - start));
        console.sendLine("hello from the lab");
        console.waitFor("you typed: hello from the lab", BOOT);
    }
}
