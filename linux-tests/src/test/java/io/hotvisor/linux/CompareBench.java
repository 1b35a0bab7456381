package io.hotvisor.linux;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * bench/compare.sh's measurements (a benchmark, not a test: tagged bench, it asserts nothing
 * about the numbers): the kit's Linux under Hotvisor and under QEMU with KVM, side by side on the
 * same machine (in the lab: the same L1), with the same kernel, initramfs and command line. Each
 * group of metrics is one dynamic test; the samples go to {@code DATA_DIR/bench.csv} as they are
 * taken, one row per sample, for bench/Report.java to turn into the table and the chart.
 *
 * <p>Configuration: the properties file named by {@code hotvisor.bench.properties} (compare.sh
 * writes it): {@code runs} (samples per metric and side, default 3) and {@code only} (group
 * names, comma-separated; default all). A new metric is a {@link Metric} and a few lines in a
 * group; a new group is one more entry in {@link #groups()}.
 */
@Tag("bench")
@ExtendWith(LinuxGuests.class)
class CompareBench {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long MIB = 1L << 20;
    private static final String CSV_HEADER = "metric,label,unit,better,qemu,side,run,value";
    private static final String Q35 = "q35 (SeaBIOS + PVH option ROM)";

    /** A figure in the table: {@code lowerIsBetter} false for throughputs; {@code qemu}: QEMU's configuration. */
    private record Metric(String key, String label, String unit, boolean lowerIsBetter, String qemu) {
        Metric {
            if ((key + label + unit + qemu).contains(",")) {
                throw new IllegalArgumentException("no commas in a metric's CSV fields: " + label);
            }
        }
    }

    /** A machine shape: vCPUs at boot, possible vCPUs, memory. */
    private record Shape(int vcpus, int maxVcpus, int mib) {
        List<String> qemuArguments() {
            String smp = vcpus == maxVcpus ? String.valueOf(vcpus)
                    : vcpus + ",sockets=1,cores=" + maxVcpus + ",threads=1,maxcpus=" + maxVcpus;
            return List.of("-machine", "q35", "-smp", smp, "-m", mib + "M");
        }

        @Override
        public String toString() {
            return vcpus + (vcpus == 1 ? " vCPU" : " vCPUs") + " / " + mib + " MiB";
        }
    }

    /** How one side boots the kit. */
    @FunctionalInterface
    private interface Booter {
        BenchGuest boot(String name, Shape shape) throws Exception;
    }

    private record Side(String name, Booter booter) {
        BenchGuest boot(String vmName, Shape shape) throws Exception {
            return booter.boot(vmName, shape);
        }
    }

    /** One group of metrics, measured {@code runs} times on each side. */
    @FunctionalInterface
    private interface Group {
        void measure(int runs) throws Exception;
    }

    /** The floor of exit costs, a C program on raw KVM: a side of its own beside the two VMMs. */
    private static final String RAW = "raw";

    private final Path csv = LinuxKit.get().dataDir().resolve("bench.csv");
    private LinuxGuests.Guests guests;
    private Side hotvisor;
    private Side qemu;

    private Map<String, Group> groups() {
        Map<String, Group> groups = new LinkedHashMap<>();
        groups.put("boot", this::boot);
        groups.put("cpu-hotplug", this::cpuHotplug);
        groups.put("exits", this::exits);
        return groups;
    }

    @TestFactory
    Stream<DynamicTest> compareWithQemu(LinuxGuests.Guests guests) throws IOException {
        this.guests = guests;
        hotvisor = new Side("hotvisor", (name, shape) -> new HotvisorBenchGuest(guests, name, shape.vcpus(),
                shape.maxVcpus(), shape.mib() * MIB));
        qemu = new Side("qemu", (name, shape) -> new QemuGuest(shape.qemuArguments()));
        Properties config = config();
        int runs = Integer.parseInt(config.getProperty("runs", "3"));
        Map<String, Group> groups = groups();
        List<String> selected = config.getProperty("only", "").isBlank() ? List.copyOf(groups.keySet())
                : Arrays.stream(config.getProperty("only").split(",")).map(String::strip).toList();
        for (String name : selected) {
            if (!groups.containsKey(name)) {
                throw new AssertionError("no metric group '" + name + "'; there are " + groups.keySet());
            }
        }
        Files.createDirectories(csv.getParent());
        if (!Files.exists(csv)) {
            Files.writeString(csv, CSV_HEADER + "\n", StandardCharsets.UTF_8);
        }
        return selected.stream().map(name -> DynamicTest.dynamicTest(name, () -> groups.get(name).measure(runs)));
    }

    private static Properties config() throws IOException {
        Properties config = new Properties();
        String file = System.getProperty("hotvisor.bench.properties");
        if (file != null) {
            try (Reader reader = Files.newBufferedReader(Path.of(file))) {
                config.load(reader);
            }
        }
        return config;
    }

    /** Create request to the kit's marker line, both shapes; the sides take turns going first. */
    private void boot(int runs) throws Exception {
        for (Shape shape : List.of(new Shape(1, 1, 128), new Shape(2, 2, 512))) {
            Metric metric = new Metric("boot-" + shape.vcpus() + "cpu-" + shape.mib() + "m",
                    "Boot: create request to the kit's marker (" + shape + ")", "ms", true, Q35);
            for (int run = 1; run <= runs; run++) {
                for (Side side : run % 2 == 1 ? List.of(hotvisor, qemu) : List.of(qemu, hotvisor)) {
                    try (BenchGuest guest = side.boot("boot" + shape.vcpus() + "-" + run, shape)) {
                        record(metric, side.name(), run, guest.bootMillis());
                    }
                }
            }
        }
    }

    /**
     * CPU hot-add until the guest has cpu1 online (the kit has no udev: the guest's watcher onlines
     * it, as the Linux tests do), and hot-remove until DEVICE_DELETED; one guest per side, 1 vCPU
     * of 2, runs back to back.
     */
    private void cpuHotplug(int runs) throws Exception {
        Metric add = new Metric("cpu-hot-add", "CPU hot-add: device_add to cpu1 online in the guest", "ms", true, Q35);
        Metric remove = new Metric("cpu-hot-remove", "CPU hot-remove: device_del to DEVICE_DELETED", "ms", true, Q35);
        String cpu1 = "/sys/devices/system/cpu/cpu1";
        for (Side side : List.of(hotvisor, qemu)) {
            try (BenchGuest guest = side.boot("cpuhp", new Shape(1, 2, 512))) {
                for (int run = 1; run <= runs; run++) {
                    String id = "hcpu" + run;
                    String online = guest.watch("[ -e " + cpu1 + "/online ]", "echo 1 > " + cpu1 + "/online");
                    long start = System.nanoTime();
                    guest.deviceAdd(CpuHotplug.DRIVER, id, Map.of("socket-id", 0, "core-id", 1, "thread-id", 0));
                    record(add, side.name(), run, millisSince(start, guest.awaitMarker(online, WAIT)));

                    String gone = guest.watch("[ ! -e " + cpu1 + " ]", ":");
                    start = System.nanoTime();
                    guest.deviceDel(id);
                    record(remove, side.name(), run, millisSince(start, guest.awaitDeviceDeleted(id)));
                    guest.awaitMarker(gone, WAIT);
                }
            }
        }
    }

    /**
     * Exit round trips to the VMM's user space, in the probe guest (the same ELF on both sides,
     * through PVH): a write to port 0x80 and a read of an MMIO page no device claims, 20,000 in a
     * row, timed from the probe's "go" line to its "done" line. The floor is lab/kvm-speed's raw C
     * loop on the same /dev/kvm, when compare.sh gives it ({@code hotvisor.bench.kvmSpeed}).
     */
    private void exits(int runs) throws Exception {
        int iterations = 20_000;
        String floor = System.getProperty("hotvisor.bench.kvmSpeed");
        Path probe = LinuxKit.get().probeImage().resolveSibling("probe-guest.elf");
        Map<String, Metric> metrics = new LinkedHashMap<>();
        metrics.put("pio", new Metric("exit-pio", "Exit round trip: PIO write to port 0x80", "ns", true, Q35));
        metrics.put("mmio", new Metric("exit-mmio", "Exit round trip: MMIO read of an unclaimed page", "ns", true, Q35));
        Vm vm = guests.manager().create(new VmSpec("exits", probe.toString(), null, "console=ttyS0", 1, 1, 64 * MIB, Map.of()));
        try {
            TimedOutput output = new TimedOutput();
            vm.console().attach(output::accept);
            vm.start();
            output.awaitText(ProbeConsole.PROMPT, LinuxGuests.BOOT, "exits");
            measureExits(runs, iterations, metrics, hotvisor,
                    new ProbeConsole(line -> vm.console().sendInput((line + "\r").getBytes(StandardCharsets.US_ASCII)), output));
        } finally {
            guests.manager().destroy("exits");
        }
        try (QemuGuest guest = QemuGuest.probe(probe, List.of("-machine", "q35", "-smp", "1", "-m", "64M"))) {
            measureExits(runs, iterations, metrics, qemu, new ProbeConsole(guest::type, guest.output()));
        }
        if (floor != null) {
            for (int run = 1; run <= runs; run++) {
                for (String kind : metrics.keySet()) {
                    record(metrics.get(kind), RAW, run, rawExitNanos(floor, kind, iterations));
                }
            }
        }
    }

    private void measureExits(int runs, int iterations, Map<String, Metric> metrics, Side side, ProbeConsole probe)
            throws Exception {
        for (int run = 1; run <= runs; run++) {
            for (String kind : metrics.keySet()) {
                record(metrics.get(kind), side.name(), run, probe.nanosPerExit(kind, iterations));
            }
        }
    }

    /** lab/kvm-speed --exits KIND N: ns per exit of a C program on raw KVM. */
    private static double rawExitNanos(String kvmSpeed, String kind, int iterations) throws Exception {
        Process process = new ProcessBuilder(kvmSpeed, "--exits", kind, String.valueOf(iterations))
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.waitFor() != 0 || !out.startsWith("ns_per_exit=")) {
            throw new AssertionError("kvm-speed --exits " + kind + " failed: " + out);
        }
        return Double.parseDouble(out.substring("ns_per_exit=".length()));
    }

    private static double millisSince(long start, long end) {
        return (end - start) / 1e6;
    }

    private void record(Metric metric, String side, int run, double value) throws IOException {
        String row = String.join(",", metric.key(), metric.label(), metric.unit(), metric.lowerIsBetter() ? "lower" : "higher",
                metric.qemu(), side, String.valueOf(run), String.format(Locale.ROOT, "%.3f", value));
        System.out.println("[bench] " + row);
        Files.writeString(csv, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
