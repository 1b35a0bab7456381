package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.testing.KvmTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ACPI PCI hotplug seen from Linux: virtio devices added to the running guest appear in its sysfs
 * and its drivers bind without a rescan by hand (acpiphp); a removal waits for the guest's eject,
 * then DEVICE_DELETED follows; a reboot keeps a hot-added device.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(32)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxPciHotplugTest {
    private static final Duration VISIBLE = Duration.ofSeconds(60);
    private static final long MIB = 1L << 20;
    private static final String TAP = "hvtap3";
    private static final String GUEST_MAC = "52:54:00:12:34:78";
    private static final String HOST_IP = "192.168.78.1";
    private static final String GUEST_IP = "192.168.78.2";
    private static final String MARKER = "hotvisor-pci-hotplug-was-here";
    private LinuxGuests.Guests guests;
    private LinuxGuest guest;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) {
        this.guests = guests;
        guest = guests.boot("pcihp", 1, 512 * MIB, Map.of());
    }

    @Test
    @Order(1)
    void aHotAddedDiskTakesAFileSystemAndTheHostFileKeepsItAfterTheRemoval() throws Exception {
        Path image = guests.dataDir().resolve("hot-disk.raw");
        Files.createDirectories(image.getParent());
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(64 * MIB);
        }
        String address = guests.plugPci(guest, "virtio-blk-pci", "hdisk", Map.of("file", image.toString(), "serial", "hv-hot"));
        assertThat(guest.sh("cat /sys/bus/pci/devices/" + address + "/vendor /sys/bus/pci/devices/" + address + "/device"))
                .isEqualTo("0x1af4\n0x1042");
        String disk = guest.sh("for b in /sys/block/vd*; do [ \"$(cat $b/serial)\" = hv-hot ] && basename $b; done; true");
        assertThat(disk).startsWith("vd");

        guest.sh("mke2fs -q /dev/" + disk + " && mkdir -p /mnt/hot && mount -t ext2 /dev/" + disk + " /mnt/hot");
        guest.sh("echo " + MARKER + " > /mnt/hot/note && sync && umount /mnt/hot");
        guests.unplugPci(guest, "hdisk", address);

        assertThat(new String(Files.readAllBytes(image), StandardCharsets.ISO_8859_1)).contains(MARKER);
    }

    @Test
    @Order(2)
    void aHotAddedNicAnswersPingOverItsTapAndLeaves() throws Exception {
        String address = guests.plugPci(guest, "virtio-net-pci", "hnet", Map.of("tap", TAP, "mac", GUEST_MAC));
        String nic = guest.sh("for n in /sys/class/net/*; do [ \"$(cat $n/address)\" = " + GUEST_MAC
                + " ] && basename $n; done; true");
        HostCommand.run("ip", "addr", "add", HOST_IP + "/24", "dev", TAP);
        HostCommand.run("ip", "link", "set", TAP, "up");
        guest.sh("ip addr add " + GUEST_IP + "/24 dev " + nic + " && ip link set " + nic + " up");
        assertThat(HostCommand.run("ping", "-c", "3", "-W", "10", GUEST_IP)).contains("3 packets transmitted, 3 packets received");

        guests.unplugPci(guest, "hnet", address);
        assertThat(guest.sh("ls /sys/class/net")).doesNotContain(nic);
    }

    /** An explicit addr= is honoured, and a reboot keeps the device there, as QEMU's does. */
    @Test
    @Order(3)
    void aDeviceAddedIntoAnExplicitSlotStaysThereAcrossAReboot() throws Exception {
        String address = guests.plugPci(guest, "virtio-rng-pci", "hrng", Map.of("addr", "0x1c"));
        assertThat(address).isEqualTo("0000:00:1c.0");

        guest.console().sendLine("reboot -f");
        guest.console().waitFor(LinuxKit.get().marker(), LinuxGuests.BOOT);
        guest.console().waitFor(LinuxKit.get().prompt(), LinuxGuests.BOOT);
        assertThat(guest.sh("cat /sys/bus/pci/devices/0000:00:1c.0/device")).isEqualTo("0x1044");
        assertThat(guest.sh("cat /sys/class/misc/hw_random/rng_current")).startsWith("virtio_rng");
        assertThat(guests.devices().find(guest.vm(), "hrng")).map(PluggedDevice::state).contains(PluggedDevice.State.PRESENT);

        guests.unplugPci(guest, "hrng", address);
    }

    /**
     * 200 add/remove cycles of an entropy device: the VMM's fds, threads and MSI vectors (GSI
     * routes) are where the first cycle left them, and the guest still has its RAM regions only.
     */
    @Test
    @Order(4)
    void twoHundredAddRemoveCyclesLeaveNothingBehind() throws Exception {
        Vm vm = guest.vm();
        cycle(0);
        Usage baseline = Usage.of(vm);
        for (int i = 1; i < 200; i++) {
            cycle(i);
        }
        assertThat(Usage.of(vm)).isEqualTo(baseline);
    }

    private void cycle(int i) throws InterruptedException {
        String id = "soak" + i;
        PluggedDevice device = guests.devices().add(guest.vm(), "virtio-rng-pci", id, Map.of());
        String address = guests.devices().describe(guest.vm(), device).address();
        guest.waitUntil("[ -e /sys/bus/pci/devices/" + address + "/driver ]", VISIBLE);
        guests.devices().remove(guest.vm(), id);
        guests.awaitEvent(new VmEvent.DeviceDeleted(id, PluggedDevice.PERIPHERAL + id), VISIBLE);
    }

    record Usage(long fds, long threads, int msiVectors, int ramRegions) {
        static Usage of(Vm vm) throws InterruptedException {
            Thread.sleep(200); // the I/O thread finishes the last teardown
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("vcpu-") || t.getName().startsWith("io-")
                            || t.getName().startsWith("virtio-rng-"))
                    .count();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                return new Usage(fds.count(), threads, vm.interrupts().allocatedMsiVectors(), vm.memory().regions().size());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * A guest that never ejects keeps the device, reported as pending (Linux's acpiphp removes a
     * PCI device even while it is in use, so the probe guest plays the stuck guest: pcirefuse).
     */
    @Test
    @Order(5)
    void aDeviceTheGuestDoesNotEjectStaysAndItsRemovalIsPending() throws Exception {
        GuestConsole probe = guests.probe("pcihp-probe", "console=ttyS0", 1, Map.of(
                "device.0", "virtio-rng-pci,id=rng0",
                "device.1", "virtio-rng-pci,id=fixed,addr=5,removable=off"));
        Vm vm = guests.manager().get("pcihp-probe");
        vm.start();
        probe.waitFor("probe> ", LinuxGuests.BOOT);
        probe.sendLine("pcirefuse on");
        probe.waitFor("pcirefuse: on", LinuxGuests.BOOT);

        guests.devices().remove(vm, "rng0");
        probe.waitFor("pci slot 1 eject ignored", LinuxGuests.BOOT);
        assertThatThrownBy(() -> guests.devices().remove(vm, "rng0")).isInstanceOf(VmException.class)
                .hasMessage("Device 'rng0' is already in the process of unplug");
        assertThatThrownBy(() -> guests.devices().remove(vm, "fixed"))
                .hasMessage("Device 'fixed' is not removable (it was added with removable=off)");
        Thread.sleep(2000);
        assertThat(guests.devices().find(vm, "rng0")).map(PluggedDevice::state).contains(PluggedDevice.State.REMOVING);
        assertThat(guests.pciHotplug().removalPending(vm, 1)).isTrue();
        assertThat(vm.pci().slots()).anyMatch(slot -> slot.device().pluggedDeviceId().equals(java.util.Optional.of("rng0")));
        assertThat(guests.events()).noneMatch(event -> event.vm().equals(vm.name())
                && event.payload() instanceof VmEvent.DeviceDeleted);
        guests.manager().destroy(vm.name());
    }

}
