package io.hotvisor.cpuhotplug;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.testing.ConsoleHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Not a test: bench/cpu-hotplug-latency.sh runs it. Hot-adds a CPU to a warm VM (JIT warmed by
 * ten untimed cycles) and measures from the request to the probe guest's "cpu N online" line on
 * the console, median of RUNS cycles; each CPU is removed again before the next one.
 */
public final class CpuHotplugLatencyBench {
    private CpuHotplugLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Path data = Files.createTempDirectory("hotvisor-bench");
        try (HotplugMachine machine = new HotplugMachine(data)) {
            Vm vm = machine.probe("bench", 1, 2);
            vm.start();
            ConsoleHarness console = new ConsoleHarness(vm);
            console.waitFor("probe> ", Duration.ofSeconds(30));
            for (int i = 0; i < 10; i++) {
                cycle(machine, vm, console);
            }
            double[] millis = new double[runs];
            for (int i = 0; i < runs; i++) {
                millis[i] = cycle(machine, vm, console);
            }
            Arrays.sort(millis);
            System.out.printf("CPU hot-add request -> probe guest \"cpu 1 online\", median of %d: %.2f ms "
                    + "(min %.2f, max %.2f)%n", runs, millis[runs / 2], millis[0], millis[runs - 1]);
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static double cycle(HotplugMachine machine, Vm vm, ConsoleHarness console) {
        console.skipExisting();
        long start = System.nanoTime();
        machine.cpuHotplug.add(vm, 1);
        console.waitFor("cpu 1 online", Duration.ofSeconds(30));
        double elapsed = (System.nanoTime() - start) / 1e6;
        machine.cpuHotplug.remove(vm, 1);
        console.waitFor("cpu 1 ejected", Duration.ofSeconds(30));
        while (vm.cpus().get(1).plugged()) {
            Thread.onSpinWait();
        }
        return elapsed;
    }
}
