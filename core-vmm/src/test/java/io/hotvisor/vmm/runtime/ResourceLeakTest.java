package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.VmManagerImpl;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.TestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop and destroy leave no fd, thread or mapping behind: 20 create/boot/stop/destroy cycles end
 * with the counts the first cycle left (that one loads native libraries and opens /dev/kvm).
 */
@KvmTest
class ResourceLeakTest {
    /** An unusual RAM size, so its mapping can be told apart in /proc/self/maps. */
    private static final long RAM = 0x3F0_0000L;
    private static final int CYCLES = 20;

    @TempDir
    Path data;

    record Usage(long fds, long vmThreads, long ramMappings) {
    }

    @Test
    void twentyCyclesLeaveNothingBehind() throws Exception {
        try (VmManagerImpl manager = new VmManagerImpl(data)) {
            cycle(manager, 0);
            Usage baseline = usage();
            for (int i = 1; i <= CYCLES; i++) {
                cycle(manager, i);
            }
            assertThat(usage()).isEqualTo(baseline);
            assertThat(baseline.vmThreads()).isZero();
            assertThat(baseline.ramMappings()).isZero();
        }
    }

    private static void cycle(VmManagerImpl manager, int i) {
        Vm vm = manager.create(new VmSpec("leak" + i, TestImages.probeGuest().toString(), null, "console=ttyS0",
                2, RAM));
        vm.start();
        new ConsoleHarness(vm).waitFor("probe> ", Duration.ofSeconds(30));
        vm.pause();
        vm.resume();
        vm.stop();
        vm.start();
        manager.destroy(vm.name());
    }

    private static Usage usage() throws InterruptedException {
        // Daemon threads of reset/shutdown requests end on their own; give them a moment.
        Thread.sleep(100);
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vcpu-") || t.getName().startsWith("vm-")
                        || t.getName().startsWith("io-"))
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
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
            return maps.stream().filter(line -> {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                return Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16) == RAM;
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
