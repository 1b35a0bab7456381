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

    /** The host bridge through MCFG's ECAM (reserved by the PNP0C02 device), and _OSC keeping native hotplug for ACPI. */
    @Test
    void findsThePciHostBridge() {
        String bridge = "/sys/bus/pci/devices/0000:00:00.0";
        assertThat(guest.sh("cat " + bridge + "/vendor " + bridge + "/device " + bridge + "/class"))
                .isEqualTo("0x1b36\n0x0008\n0x060000");
        // Only the lines that matter cross the serial console: all of dmesg takes too long in the lab.
        String kernelLog = guest.sh("dmesg | grep -E 'config space access|PCI Root Bridge|MMCONFIG at|_OSC:'");
        assertThat(kernelLog).doesNotContain("No config space access function")
                .contains("ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00])")
                .containsPattern("MMCONFIG at \\[mem 0xe0000000-0xe00fffff\\] reserved in ACPI motherboard resources")
                .containsPattern("_OSC: OS now controls \\[[^]]*PCIeCapability")
                .containsPattern("_OSC: platform does not support \\[PCIeHotplug");
    }
}
