package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.testing.KvmTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ACPI DIMM hotplug against the probe guest, which takes the GED interrupt and walks
 * {@code \_SB.MHPC} as the AML does: it maps a hot-added DIMM, writes and checks a pattern across
 * it, ejects on request or (after {@code memrefuse on}) refuses through {@code _OST}.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
class MemHotplugProbeTest {
    private static final Duration GUEST = Duration.ofSeconds(120);
    private static final long MIB = 1L << 20;
    private static final long BOOT_MEMORY = 64 * MIB;
    private static final Map<String, String> HOTPLUG = Map.of("hotplug-memory", "1G", "memory-slots", "4");

    private static Vm start(LinuxGuests.Guests guests, String name, GuestConsole console) {
        Vm vm = guests.manager().get(name);
        vm.start();
        console.waitFor("probe> ", GUEST);
        return vm;
    }

    @Test
    void plugsChecksRefusesAndEjectsADimm(LinuxGuests.Guests guests) throws InterruptedException {
        GuestConsole console = guests.probe("memprobe", "console=ttyS0", 1, HOTPLUG);
        Vm vm = start(guests, "memprobe", console);
        vm.memoryBackends().create(MemoryBackends.RAM, "m1", Map.of("size", "128M"));

        guests.devices().add(vm, "pc-dimm", "d1", Map.of("memdev", "m1"));
        // 64 MiB of RAM end below 4 GiB, so the hotplug region starts at 4 GiB.
        console.waitFor("mem slot 0 insert base 0x100000000 size 0x8000000", GUEST);
        console.waitFor("mem slot 0 pattern ok", GUEST);
        console.waitFor("mem slot 0 online", GUEST);
        awaitEvent(guests, new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo("d1", "0", "DIMM", 1, 0)));
        assertThat(vm.currentMemory()).isEqualTo(BOOT_MEMORY + 128 * MIB);

        console.sendLine("memrefuse on");
        console.waitFor("memrefuse: on", GUEST);
        guests.devices().remove(vm, "d1");
        console.waitFor("mem slot 0 eject refused", GUEST);
        awaitEvent(guests, new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo("d1", "0", "DIMM", 3, 1)));
        assertThat(guests.devices().find(vm, "d1")).map(PluggedDevice::state).contains(PluggedDevice.State.PRESENT);
        assertThat(vm.currentMemory()).as("a refused removal keeps the DIMM").isEqualTo(BOOT_MEMORY + 128 * MIB);

        console.sendLine("memrefuse off");
        console.waitFor("memrefuse: off", GUEST);
        guests.devices().remove(vm, "d1");
        console.waitFor("mem slot 0 ejected", GUEST);
        awaitEvent(guests, new VmEvent.DeviceDeleted("d1", "/machine/peripheral/d1"));
        assertThat(vm.currentMemory()).isEqualTo(BOOT_MEMORY);
        assertThat(vm.memoryBackends().find("m1").orElseThrow().user()).isEmpty();
        vm.memoryBackends().delete("m1");
    }

    /**
     * 100 add/remove cycles of 128 MiB: the VMM gives the memory back, and keeps no fd or slot per
     * cycle. In the lab the probe guest sometimes triple-faults during a long hotplug run (as in
     * CpuHotplugProbeTest; the cause is not found, see the issue 12 closing note): a guest reset
     * restarts the soak once on a new VM, loudly, since the soak measures the VMM, not the guest.
     * Fifteen minutes: a reset late in the soak costs a cycle's wait and a second soak, which the
     * default five did not leave room for (CI, 2026-12-06: a triple fault after ~90 cycles).
     */
    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void hundredCyclesGiveTheMemoryBack(LinuxGuests.Guests guests) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            String name = "memsoak" + attempt;
            try {
                soak(guests, name);
                return;
            } catch (AssertionError e) {
                if (attempt == 2 || !guestReset(guests, name)) {
                    throw e;
                }
                System.err.println("*** " + name + ": the probe guest reset itself during the soak; soaking again on a"
                        + " new VM (known lab issue, see the issue 12 closing note): " + e.getMessage().lines().findFirst().orElse(""));
                guests.manager().destroy(name);
            }
        }
    }

    private static boolean guestReset(LinuxGuests.Guests guests, String vm) {
        return guests.events().stream().anyMatch(event -> event.vm().equals(vm)
                && event.payload() instanceof VmEvent.Reset reset && reset.guest());
    }

    private static void soak(LinuxGuests.Guests guests, String name) throws InterruptedException {
        GuestConsole console = guests.probe(name, "console=ttyS0", 1, HOTPLUG);
        Vm vm = start(guests, name, console);
        cycle(guests, vm, console, 0); // warm-up: first-use allocations of the JVM and the page-table pool
        long rss = rssBytes();
        long fds = count(Path.of("/proc/self/fd"));
        for (int cycle = 1; cycle <= 100; cycle++) {
            cycle(guests, vm, console, cycle);
        }
        // The guest touches every page of a DIMM: one kept would add 128 MiB. The JVM's own growth
        // (heap, JIT, metaspace) after the suite's earlier tests was up to 23 MiB in the lab.
        assertThat(rssBytes() - rss).as("RSS growth over 100 cycles").isLessThan(64 * MIB);
        assertThat(count(Path.of("/proc/self/fd"))).isLessThanOrEqualTo(fds);
        assertThat(vm.memory().regions()).as("only boot RAM is mapped").hasSize(1);
    }

    private static void cycle(LinuxGuests.Guests guests, Vm vm, GuestConsole console, int cycle)
            throws InterruptedException {
        String id = vm.name() + "-" + cycle; // unique across attempts: events of an earlier VM stay in the list
        guests.devices().add(vm, "pc-dimm", id, Map.of("size", "128M"));
        console.waitFor("mem slot 0 online", GUEST);
        guests.devices().remove(vm, id);
        awaitEvent(guests, new VmEvent.DeviceDeleted(id, "/machine/peripheral/" + id));
    }

    private static void awaitEvent(LinuxGuests.Guests guests, VmEvent.Payload expected) throws InterruptedException {
        Predicate<VmEvent> matches = event -> event.payload().equals(expected);
        long deadline = System.nanoTime() + GUEST.toNanos();
        while (guests.events().stream().noneMatch(matches)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no event " + expected + "; got " + guests.events());
            }
            Thread.sleep(10);
        }
    }

    private static long rssBytes() {
        try {
            String line = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(status -> status.startsWith("VmRSS:")).findFirst().orElseThrow();
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long count(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
