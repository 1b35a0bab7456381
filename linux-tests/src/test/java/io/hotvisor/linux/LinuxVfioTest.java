package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.manager.HostVfioService;
import io.hotvisor.vmm.testing.KvmTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real NIC passed through with VFIO: the lab's L1 has QEMU's virtual Intel IOMMU and a
 * virtio-net behind it ({@code iommu_platform=on}) bound to vfio-pci (lab/l1.sh names it with
 * {@code lab.vfio=ADDRESS}). The L2 guest gets it as a boot device: it sees the device's own ids,
 * Linux's virtio-net drives it (configuration space, BARs mapped into the guest, MSI-X, DMA into
 * guest RAM through L1's IOMMU) and pings QEMU's user-network gateway through it.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(40)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxVfioTest {
    private static final long MIB = 1 << 20;
    private String nic;
    private LinuxGuest guest;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) throws IOException {
        nic = Arrays.stream(Files.readString(Path.of("/proc/cmdline")).trim().split("\\s+"))
                .filter(word -> word.startsWith("lab.vfio=")).map(word -> word.substring("lab.vfio=".length()))
                .findFirst().orElse(null);
        if (nic == null) {
            String message = "no lab.vfio=ADDRESS on the kernel command line (the lab's L1 has one): no NIC to pass through";
            if ("1".equals(System.getenv("HOTVISOR_REQUIRE_KVM"))) {
                fail(message + " (HOTVISOR_REQUIRE_KVM=1)");
            }
            System.err.println("*** SKIPPED: " + message + " ***");
            Assumptions.abort(message);
        }
        guest = guests.boot("vfio", 1, 512 * MIB, Map.of("device.0", "vfio-pci,host=" + nic + ",id=nic0"));
    }

    @Test
    @Order(1)
    void theGuestSeesTheNicsOwnIdsAndVirtioBindsIt() {
        String devices = guest.sh("for d in /sys/bus/pci/devices/*; do echo $(cat $d/vendor $d/device $d/class)"
                + " $(basename $(readlink $d/driver 2>/dev/null) 2>/dev/null); done");
        assertThat(devices).contains("0x1af4 0x1041 0x020000 virtio-pci");
        assertThat(guest.sh("ls /sys/class/net")).contains("eth0");
    }

    @Test
    @Order(2)
    void itPingsTheGatewayOfItsNetwork() {
        guest.sh("ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0");
        assertThat(guest.sh("ping -c 3 -W 5 10.0.2.2")).contains("3 packets received");
        assertThat(guest.sh("grep -c virtio /proc/interrupts")).as("MSI-X vectors in use").isNotEqualTo("0");
    }

    @Test
    @Order(3)
    void aStoppedGuestLetsGoOfTheHostDevice() throws IOException {
        guest.vm().stop();
        Path group = Path.of("/dev/vfio").resolve(
                Path.of("/sys/bus/pci/devices", nic, "iommu_group").toRealPath().getFileName());
        try (VfioDevice again = new HostVfioService().open(group, nic)) {
            assertThat(again.name()).isEqualTo(nic);
        }
    }
}
