package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.testing.KvmTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ACPI DIMM hotplug seen from Linux, booted with 512 MiB, a 2 GiB hotplug region and
 * {@code memhp_default_state=online_movable}: a hot-added DIMM grows MemTotal and its memory
 * blocks come online (movable), and a program can use it; a hot-removed one is offlined and
 * ejected by the kernel; one plugged before a reboot is found again after it.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(30)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxMemHotplugTest {
    private static final Duration VISIBLE = Duration.ofSeconds(60);
    private static final long MIB = 1L << 20;
    private static final long DIMM = 256 * MIB;
    private LinuxGuests.Guests guests;
    private LinuxGuest guest;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) {
        this.guests = guests;
        guest = guests.boot("memhp", 1, 512 * MIB, Map.of("hotplug-memory", "2G"), "memhp_default_state=online_movable");
    }

    private long memTotalKib() {
        return Long.parseLong(guest.sh("awk '/^MemTotal:/ { print $2 }' /proc/meminfo"));
    }

    /** The online memory blocks, as sysfs lists them. */
    private int onlineBlocks() {
        return Integer.parseInt(guest.sh("cat /sys/devices/system/memory/memory*/online | grep -c 1"));
    }

    private void awaitEvent(VmEvent.Payload expected) throws InterruptedException {
        guests.awaitEvent(expected, VISIBLE);
    }

    /** Plugs a DIMM and times until the guest's MemTotal has grown by its size. */
    private void addAndAwaitOnline(String id, String memdev, long totalBefore) {
        String grown = guest.watch("[ $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) -ge "
                + (totalBefore + DIMM / 1024) + " ]");
        long start = System.nanoTime();
        guests.devices().add(guest.vm(), "pc-dimm", id, Map.of("memdev", memdev));
        guest.console().waitFor(grown, VISIBLE);
        Timings.record("l2-dimm-hot-add-to-memtotal[" + id + "]", Duration.ofNanos(System.nanoTime() - start));
    }

    @Test
    @Order(1)
    void aHotAddedDimmComesOnlineMovableAndHoldsData() throws InterruptedException {
        long before = memTotalKib();
        int blocksBefore = onlineBlocks();
        guest.vm().memoryBackends().create(MemoryBackends.RAM, "m1", Map.of("size", DIMM));

        addAndAwaitOnline("d1", "m1", before);

        assertThat(memTotalKib() - before).isEqualTo(DIMM / 1024);
        long blockBytes = Long.parseLong(guest.sh("cat /sys/devices/system/memory/block_size_bytes"), 16);
        assertThat(onlineBlocks() - blocksBefore).isEqualTo((int) (DIMM / blockBytes));
        assertThat(guest.sh("grep -il movable /sys/devices/system/memory/memory*/valid_zones | wc -l"))
                .as("blocks in ZONE_MOVABLE").isNotEqualTo("0");
        // 200 MiB in tmpfs, more than the boot RAM has free: the new memory holds part of it.
        guest.sh("mkdir -p /mnt/fill && mount -t tmpfs -o size=300m tmpfs /mnt/fill");
        guest.sh("dd if=/dev/urandom of=/mnt/fill/a bs=1M count=200 2>/dev/null && md5sum /mnt/fill/a > /mnt/a.md5");
        guest.sh("md5sum -c /mnt/a.md5");
        guest.sh("rm /mnt/fill/a && umount /mnt/fill");
        awaitEvent(new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo("d1", "0", "DIMM", 1, 0)));
        assertThat(guests.devices().describe(guest.vm(), guests.devices().find(guest.vm(), "d1").orElseThrow()).facts())
                .containsEntry("addr", 4L << 30).containsEntry("size", DIMM);
    }

    @Test
    @Order(2)
    void aHotRemovedDimmIsOfflinedEjectedAndGone() throws InterruptedException {
        long total = memTotalKib();
        String shrunk = guest.watch("[ $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) -le " + (total - DIMM / 1024) + " ]");
        long start = System.nanoTime();
        guests.devices().remove(guest.vm(), "d1");
        awaitEvent(new VmEvent.DeviceDeleted("d1", "/machine/peripheral/d1"));
        Timings.record("l2-dimm-hot-remove-to-deleted[d1]", Duration.ofNanos(System.nanoTime() - start));
        guest.console().waitFor(shrunk, VISIBLE);
        assertThat(total - memTotalKib()).isEqualTo(DIMM / 1024);
        assertThat(guest.vm().currentMemory()).isEqualTo(512 * MIB);
        assertThat(guest.vm().memoryBackends().find("m1").orElseThrow().user()).isEmpty();
        guest.vm().memoryBackends().delete("m1");
    }

    /** As under QEMU, a reboot keeps the hardware: Linux finds the DIMM through ACPI at boot. */
    @Test
    @Order(3)
    void aDimmIsStillThereAfterTheGuestReboots() throws InterruptedException {
        long before = memTotalKib();
        guest.vm().memoryBackends().create(MemoryBackends.MEMFD, "m2", Map.of("size", DIMM));
        addAndAwaitOnline("d2", "m2", before);

        guest.console().sendLine("reboot -f");
        guest.console().waitFor(LinuxKit.get().marker(), LinuxGuests.BOOT);
        guest.console().waitFor(LinuxKit.get().prompt(), LinuxGuests.BOOT);
        assertThat(memTotalKib()).as("MemTotal after the reboot").isEqualTo(before + DIMM / 1024);
        assertThat(guests.devices().find(guest.vm(), "d2")).map(PluggedDevice::state).contains(PluggedDevice.State.PRESENT);

        guests.devices().remove(guest.vm(), "d2");
        awaitEvent(new VmEvent.DeviceDeleted("d2", "/machine/peripheral/d2"));
    }

    /**
     * A DIMM onlined as kernel memory with unmovable pages in it cannot be offlined: the guest
     * says so through {@code _OST}, and the DIMM stays plugged and usable. With 512 MiB of boot
     * RAM all below 4 GiB, the DIMM is the guest's only ZONE_NORMAL, where the kernel's own
     * allocations (the slab of the files made here) go first.
     */
    @Test
    @Order(4)
    void aDimmTheGuestCannotOfflineStaysAndTheRefusalIsReported() throws InterruptedException {
        long before = memTotalKib();
        guest.sh("echo offline > /sys/devices/system/memory/auto_online_blocks");
        guest.vm().memoryBackends().create(MemoryBackends.RAM, "m3", Map.of("size", DIMM));
        int blocks = Integer.parseInt(guest.sh("ls -d /sys/devices/system/memory/memory* | wc -l"));
        guests.devices().add(guest.vm(), "pc-dimm", "d3", Map.of("memdev", "m3"));
        guest.waitUntil("[ $(ls -d /sys/devices/system/memory/memory* | wc -l) -gt " + blocks + " ]", VISIBLE);
        guest.sh("for b in /sys/devices/system/memory/memory*; do [ $(cat $b/online) = 0 ] && echo online_kernel > $b/state; done; :");
        assertThat(memTotalKib() - before).isEqualTo(DIMM / 1024);
        guest.sh("mkdir -p /tmp/slab && cd /tmp/slab && seq 1 30000 | xargs touch && cd /");

        guests.devices().remove(guest.vm(), "d3");

        long deadline = System.nanoTime() + VISIBLE.toNanos();
        while (guests.events().stream().map(VmEvent::payload).noneMatch(LinuxMemHotplugTest::refusedEject)) {
            if (System.nanoTime() > deadline) {
                throw guest.failure("no ACPI_DEVICE_OST refusing the eject of d3; zones: "
                        + guest.sh("grep -E '^Node|nr_slab' /proc/zoneinfo | tr '\\n' ' '"));
            }
            Thread.sleep(20);
        }
        assertThat(guests.devices().find(guest.vm(), "d3")).map(PluggedDevice::state).contains(PluggedDevice.State.PRESENT);
        assertThat(memTotalKib() - before).as("the guest keeps the DIMM").isEqualTo(DIMM / 1024);
        assertThat(guest.vm().currentMemory()).isEqualTo(512 * MIB + DIMM);
        guest.sh("ls /tmp/slab | wc -l"); // the guest still runs, its files intact
    }

    /** An _OST on the eject of d3 with a failure: neither success (0) nor "in progress" (0x84). */
    private static boolean refusedEject(VmEvent.Payload payload) {
        return payload instanceof VmEvent.AcpiDeviceOst ost && "d3".equals(ost.info().device())
                && ost.info().source() == 3 && ost.info().status() != 0 && ost.info().status() != 0x84;
    }
}
