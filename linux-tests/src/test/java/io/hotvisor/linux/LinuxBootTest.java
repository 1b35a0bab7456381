package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.testing.KvmTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The stock Debian kernel boots to the kit's shell and sees the vCPUs and memory it was given. */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(10)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinuxBootTest {
    static final int VCPUS = 2;
    static final long MEMORY = 512L << 20;
    private LinuxGuest guest;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) {
        guest = guests.boot("boot", VCPUS, VCPUS, MEMORY);
    }

    @Test
    void runsTheGivenKernelWithTheGivenCommandLine() {
        assertThat(guest.sh("cat /proc/cmdline")).isEqualTo(LinuxKit.get().cmdline());
        assertThat(guest.sh("uname -sm")).isEqualTo("Linux x86_64");
    }

    @Test
    void seesItsCpus() {
        LinuxAssertions.assertCpus(guest, VCPUS);
    }

    @Test
    void seesItsMemory() {
        LinuxAssertions.assertMemory(guest, MEMORY);
    }
}
