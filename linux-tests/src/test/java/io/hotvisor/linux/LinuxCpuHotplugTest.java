package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.VmEvent;
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
 * CPU hotplug seen from Linux: a hot-added CPU appears in /sys/devices/system/cpu and onlines
 * (the busybox guest has no udev: the test writes {@code online} itself); a hot-removed one is
 * offlined and ejected by the kernel and disappears; one added before a reboot is back after it.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(20)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxCpuHotplugTest {
    private static final Duration VISIBLE = Duration.ofSeconds(60);
    private static final int BOOT_VCPUS = 1;
    private static final int MAX_VCPUS = 4;
    private LinuxGuests.Guests guests;
    private LinuxGuest guest;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) {
        this.guests = guests;
        guest = guests.boot("cpuhp", BOOT_VCPUS, MAX_VCPUS, 512L << 20);
    }

    private void awaitHostState(int cpu, VcpuInfo.State state) throws InterruptedException {
        long deadline = System.nanoTime() + VISIBLE.toNanos();
        while (guest.vm().cpus().get(cpu).state() != state) {
            if (System.nanoTime() - deadline > 0) {
                throw guest.failure("CPU " + cpu + " stayed " + guest.vm().cpus().get(cpu).state().label()
                        + " on the host side, expected " + state.label());
            }
            Thread.sleep(20);
        }
    }

    /** Runs {@code request}, times until the guest sees {@code cpuN/online}, onlines the CPU. */
    private void addAndOnline(int cpu, Runnable request) {
        String dir = "/sys/devices/system/cpu/cpu" + cpu;
        String visible = guest.watch("[ -e " + dir + "/online ]");
        long start = System.nanoTime();
        request.run();
        guest.console().waitFor(visible, VISIBLE);
        Timings.record("l2-cpu-hot-add-to-sysfs[cpu" + cpu + "]", Duration.ofNanos(System.nanoTime() - start));
        guest.sh("echo 1 > " + dir + "/online");
        assertThat(guest.sh("cat " + dir + "/online")).isEqualTo("1");
        assertThat(guest.sh("grep -c ^processor /proc/cpuinfo")).isEqualTo(String.valueOf(onlineCount()));
    }

    /** Runs {@code request}, times until {@code cpuN} is gone from sysfs and parked on the host. */
    private void removeAndAwaitGone(int cpu, Runnable request) throws InterruptedException {
        String gone = guest.watch("[ ! -e /sys/devices/system/cpu/cpu" + cpu + " ]");
        long start = System.nanoTime();
        request.run();
        guest.console().waitFor(gone, VISIBLE);
        Timings.record("l2-cpu-hot-remove-to-gone[cpu" + cpu + "]", Duration.ofNanos(System.nanoTime() - start));
        awaitHostState(cpu, VcpuInfo.State.ABSENT);
    }

    private int onlineCount() {
        return (int) guest.vm().cpus().list().stream().filter(VcpuInfo::plugged).count();
    }

    @Test
    @Order(1)
    void hotAddedCpuAppearsAndOnlines() throws InterruptedException {
        addAndOnline(1, () -> guests.cpuHotplug().add(guest.vm(), 1));
        awaitHostState(1, VcpuInfo.State.ONLINE);
        assertThat(guest.sh("cat /sys/devices/system/cpu/online")).isEqualTo("0-1");
    }

    @Test
    @Order(2)
    void hotRemovedCpuIsEjectedAndDisappears() throws InterruptedException {
        if (!guest.vm().cpus().get(1).plugged()) {
            addAndOnline(1, () -> guests.cpuHotplug().add(guest.vm(), 1));
        }
        removeAndAwaitGone(1, () -> guests.cpuHotplug().remove(guest.vm(), 1));
        assertThat(guest.sh("cat /sys/devices/system/cpu/online")).isEqualTo("0");
        assertThat(guest.sh("grep -c ^processor /proc/cpuinfo")).isEqualTo("1");
    }

    @Test
    @Order(3)
    void deviceAddAndDelOfHostCpuModel() throws InterruptedException {
        addAndOnline(2, () -> guests.devices().add(guest.vm(), CpuHotplug.DRIVER, "cpu2",
                Map.of("socket-id", 0, "core-id", 2, "thread-id", 0)));
        awaitHostState(2, VcpuInfo.State.ONLINE);
        removeAndAwaitGone(2, () -> guests.devices().remove(guest.vm(), "cpu2"));
        assertThat(guests.events()).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("DEVICE_DELETED");
            assertThat(event.data()).containsEntry("device", "cpu2");
        });
    }

    @Test
    @Order(4)
    void everyPossibleCpuCanBeAddedAndRemovedAgain() throws InterruptedException {
        for (int cpu = 1; cpu < MAX_VCPUS; cpu++) {
            int id = cpu;
            if (!guest.vm().cpus().get(id).plugged()) {
                addAndOnline(id, () -> guests.cpuHotplug().add(guest.vm(), id));
                awaitHostState(id, VcpuInfo.State.ONLINE);
            }
        }
        assertThat(guest.sh("cat /sys/devices/system/cpu/online")).isEqualTo("0-" + (MAX_VCPUS - 1));
        for (int cpu = MAX_VCPUS - 1; cpu >= 1; cpu--) {
            int id = cpu;
            removeAndAwaitGone(id, () -> guests.cpuHotplug().remove(guest.vm(), id));
        }
        assertThat(guest.sh("cat /sys/devices/system/cpu/online")).isEqualTo("0");
    }

    /**
     * As under QEMU, a reboot keeps the hardware: the hot-added CPU comes up with the boot CPU.
     * Plain {@code reboot}: on hardware-reduced ACPI without EFI, Linux reboots through the
     * reset vector (arch.ResetVector).
     */
    @Test
    @Order(5)
    void aHotAddedCpuIsStillThereAfterTheGuestReboots() throws InterruptedException {
        addAndOnline(2, () -> guests.devices().add(guest.vm(), CpuHotplug.DRIVER, "cpu2r", Map.of("core-id", 2)));
        awaitHostState(2, VcpuInfo.State.ONLINE);

        guest.console().sendLine("reboot -f");
        guest.console().waitFor(LinuxKit.get().marker(), LinuxGuests.BOOT);
        guest.console().waitFor(LinuxKit.get().prompt(), LinuxGuests.BOOT);
        assertThat(guests.events()).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("RESET");
            assertThat(event.data()).containsEntry("guest", true);
        });
        assertThat(guest.sh("awk '/^apicid/ { ids = ids sep $3; sep = \" \" } END { print ids }' /proc/cpuinfo"))
                .as("APIC ids of the online CPUs").isEqualTo("0 2");

        // Linux numbers the CPUs it finds at boot in MADT order: APIC id 2 is cpu1 now.
        String gone = guest.watch("[ ! -e /sys/devices/system/cpu/cpu1 ]");
        guests.devices().remove(guest.vm(), "cpu2r");
        guest.console().waitFor(gone, VISIBLE);
        awaitHostState(2, VcpuInfo.State.ABSENT);
        assertThat(guests.events()).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("DEVICE_DELETED");
            assertThat(event.data()).containsEntry("device", "cpu2r");
        });
    }
}
