package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.manager.HostVfioService;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.LabVfioDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * A real NIC hot-plugged with VFIO: the lab's L1 has QEMU's virtual Intel IOMMU and a virtio-net
 * behind it ({@code iommu_platform=on}) bound to vfio-pci (lab/l1.sh names it with
 * {@code lab.vfio=ADDRESS}). It is added to the running L2 guest with the seeds' verb
 * ({@code pci-assign,host=...}): the guest sees the device's own ids, Linux's virtio-net drives it
 * (configuration space, BARs mapped into the guest, MSI-X, DMA into guest RAM through L1's IOMMU)
 * and pings QEMU's user-network gateway through it; device_del waits for the guest's eject, and
 * then L1 can open the device again while the guest runs on. Then the same for a SATA controller
 * (QEMU's ICH9 AHCI behind the same IOMMU, {@code lab.vfio-sata=ADDRESS}, a 64 MiB disk on its
 * first port): Linux's ahci drives it, the disk appears, and a block written through it is read
 * back after the controller was removed and added again.
 */
@KvmTest
@LabVfioDevice
@ExtendWith(LinuxGuests.class)
@Order(40)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxVfioTest {
    private static final long MIB = 1 << 20;
    private LinuxGuests.Guests guests;
    private static final String SECTORS_OF_64_MIB = "131072";
    private String nic;
    private String sata;
    private LinuxGuest guest;
    private String address;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) throws IOException {
        this.guests = guests;
        nic = labDevice("lab.vfio=");
        sata = labDevice("lab.vfio-sata=");
        if (nic == null || sata == null) {
            String message = "no lab.vfio=ADDRESS or lab.vfio-sata=ADDRESS on the kernel command line (the lab's L1 for"
                    + " @LabVfioDevice classes has both): no devices to pass through";
            if ("1".equals(System.getenv("HOTVISOR_REQUIRE_KVM"))) {
                fail(message + " (HOTVISOR_REQUIRE_KVM=1)");
            }
            System.err.println("*** SKIPPED: " + message + " ***");
            Assumptions.abort(message);
        }
        guest = guests.boot("vfio", 1, 512 * MIB, Map.of());
    }

    /** The PCI address L1's command line gives after KEY, or null. */
    private static String labDevice(String key) throws IOException {
        return Arrays.stream(Files.readString(Path.of("/proc/cmdline")).trim().split("\\s+"))
                .filter(word -> word.startsWith(key)).map(word -> word.substring(key.length())).findFirst().orElse(null);
    }

    @Test
    @Order(1)
    void aHotAddedNicShowsItsOwnIdsAndVirtioBindsIt() {
        address = guests.plugPci(guest, "pci-assign", "nic0", Map.of("host", nic));
        String device = "/sys/bus/pci/devices/" + address;
        assertThat(guest.sh("cat " + device + "/vendor " + device + "/device " + device + "/class"))
                .isEqualTo("0x1af4\n0x1041\n0x020000");
        assertThat(guest.sh("basename $(readlink " + device + "/driver)")).isEqualTo("virtio-pci");
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
    void deviceDelGivesTheHostDeviceBackWhileTheGuestRuns() throws Exception {
        guests.unplugPci(guest, "nic0", address);
        assertThat(guest.sh("ls /sys/class/net")).doesNotContain("eth0");
        Path group = Path.of("/dev/vfio").resolve(
                Path.of("/sys/bus/pci/devices", nic, "iommu_group").toRealPath().getFileName());
        try (VfioDevice again = new HostVfioService().open(group, nic)) {
            assertThat(again.name()).isEqualTo(nic);
        }
        assertThat(guest.sh("echo alive")).isEqualTo("alive");
    }

    @Test
    @Order(4)
    void aHotAddedSataControllerBringsItsDiskAndWhatWasWrittenSurvivesAReplug() throws Exception {
        String block = "hotvisor-sata-" + Long.toHexString(System.nanoTime());
        String controller = plugSataDisk("sata0");
        String device = "/sys/bus/pci/devices/" + controller;
        assertThat(guest.sh("cat " + device + "/vendor " + device + "/device " + device + "/class"))
                .isEqualTo("0x8086\n0x2922\n0x010601");
        assertThat(guest.sh("basename $(readlink " + device + "/driver)")).isEqualTo("ahci");
        assertThat(guest.sh("echo " + block + " | dd of=/dev/sda bs=512 count=1 conv=sync,fsync 2>/dev/null && echo written"))
                .isEqualTo("written");
        guests.unplugPci(guest, "sata0", controller);
        assertThat(guest.sh("ls /sys/block")).doesNotContain("sda");

        // Another id: DEVICE_DELETED of sata0 has been seen already.
        controller = plugSataDisk("sata1");
        assertThat(guest.sh("dd if=/dev/sda bs=512 count=1 2>/dev/null | head -n 1")).isEqualTo(block);
        guests.unplugPci(guest, "sata1", controller);
        assertThat(guest.sh("echo alive")).isEqualTo("alive");
    }

    /** Adds the SATA controller as ID and waits for its disk; returns the controller's address. */
    private String plugSataDisk(String id) {
        String controller = guests.plugPci(guest, "vfio-pci", id, Map.of("host", sata));
        guest.waitUntil("[ -e /sys/block/sda ]", Duration.ofSeconds(60));
        assertThat(guest.sh("cat /sys/block/sda/size")).isEqualTo(SECTORS_OF_64_MIB);
        return controller;
    }
}
