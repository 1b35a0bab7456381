package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.cpuhotplug.HotplugMachine;
import io.hotvisor.virtio.VirtioBlkDriver;
import io.hotvisor.virtio.VirtioNetDriver;
import io.hotvisor.virtio.VirtioRngDriver;
import io.hotvisor.virtio.VirtioSerialDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.HostNetworkService;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VMs with all four virtio devices leave nothing behind: 50 create/boot/destroy cycles of a probe
 * guest that drives the entropy device through MSI-X each time end with the fds, threads and
 * mappings the first cycle left.
 */
@KvmTest
@Order(31)
class VirtioLeakTest {
    private static final int CYCLES = 50;
    /** An unusual RAM size, so its mapping can be told apart in /proc/self/maps. */
    private static final long RAM = 0x3F0_0000L;

    @TempDir
    Path data;

    record Usage(long fds, long threads, long ramMappings) {
    }

    @Test
    void fiftyCyclesWithEveryDeviceLeaveNothingBehind() throws Exception {
        Path disk = data.resolve("disk.raw");
        try (RandomAccessFile image = new RandomAccessFile(disk.toFile(), "rw")) {
            image.setLength(1 << 20);
        }
        Map<String, String> devices = Map.of(
                "device.0", "virtio-blk-pci,id=disk0,file=" + disk,
                "device.1", "virtio-rng-pci,id=rng0",
                "device.2", "virtio-net-pci,id=net0,tap=hvleak0",
                "device.3", "virtio-serial-pci,id=serial0,console=on,ports=org.hotvisor.leak.0");
        try (HotplugMachine machine = new HotplugMachine(data.resolve("vms"))) {
            machine.devices.addDriver(new VirtioBlkDriver());
            machine.devices.addDriver(new VirtioRngDriver());
            machine.devices.addDriver(new VirtioNetDriver(new HostNetworkService()));
            machine.devices.addDriver(new VirtioSerialDriver());
            cycle(machine, devices, 0);
            Usage baseline = usage();
            for (int i = 1; i <= CYCLES; i++) {
                cycle(machine, devices, i);
            }
            assertThat(usage()).isEqualTo(baseline);
            assertThat(baseline.threads()).isZero();
            assertThat(baseline.ramMappings()).isZero();
        }
    }

    private static void cycle(HotplugMachine machine, Map<String, String> devices, int i) {
        Vm vm = machine.manager.create(new VmSpec("leak" + i, LinuxKit.get().probeImage().toString(), null,
                "console=ttyS0", 1, 1, RAM, devices));
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", Duration.ofSeconds(30));
        console.sendLine("rng");
        console.waitFor("virtio-rng: 16 bytes by msi-x vector 30:", Duration.ofSeconds(30));
        machine.manager.destroy(vm.name());
    }

    private static Usage usage() throws InterruptedException {
        Thread.sleep(100); // daemon threads of stop requests end on their own
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vcpu-") || t.getName().startsWith("vm-")
                        || t.getName().startsWith("io-") || t.getName().startsWith("virtio-serial-"))
                .count();
        return new Usage(count(Path.of("/proc/self/fd")), threads, ramMappings());
    }

    private static long count(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long ramMappings() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                return Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16) == RAM;
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
