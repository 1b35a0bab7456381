package io.hotvisor.linux;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.qmp.QmpService;
import io.hotvisor.qmp.QmpServices;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Path PROBE = LinuxKit.get().probeImage().resolveSibling("probe-guest.elf");
    private static final int PROBE_MIB = 64;

    /** A figure in the table: {@code lowerIsBetter} false for throughputs; {@code qemu}: QEMU's configuration. */
    private record Metric(String key, String label, String unit, boolean lowerIsBetter, String qemu) {
        Metric {
            if ((key + label + unit + qemu).contains(",")) {
                throw new IllegalArgumentException("no commas in a metric's CSV fields: " + label);
            }
        }
    }

    /**
     * A machine shape: vCPUs at boot, possible vCPUs, memory, and up to {@code maxMib} of memory
     * with DIMMs (a hotplug region of the difference, 8 slots); words after the kit's command line;
     * QEMU's own arguments beyond these (a root port and its hotplug setting).
     */
    private record Shape(int vcpus, int maxVcpus, int mib, int maxMib, String cmdline, List<String> qemuExtras) {
        Shape(int vcpus, int maxVcpus, int mib) {
            this(vcpus, maxVcpus, mib, mib, "", List.of());
        }

        List<String> qemuArguments() {
            String smp = vcpus == maxVcpus ? String.valueOf(vcpus)
                    : vcpus + ",sockets=1,cores=" + maxVcpus + ",threads=1,maxcpus=" + maxVcpus;
            String memory = maxMib == mib ? mib + "M" : mib + "M,slots=8,maxmem=" + maxMib + "M";
            List<String> arguments = new ArrayList<>(List.of("-machine", "q35", "-smp", smp, "-m", memory));
            arguments.addAll(qemuExtras);
            return arguments;
        }

        Map<String, String> hotvisorOptions() {
            return maxMib == mib ? Map.of() : Map.of("hotplug-memory", (maxMib - mib) + "M");
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
        groups.put("pci-hotplug", this::pciHotplug);
        groups.put("dimm", this::dimm);
        groups.put("startup", this::startup);
        groups.put("container-start", this::containerStart);
        groups.put("memory", this::memory);
        return groups;
    }

    @TestFactory
    Stream<DynamicTest> compareWithQemu(LinuxGuests.Guests guests) throws IOException {
        this.guests = guests;
        hotvisor = new Side("hotvisor", (name, shape) -> new HotvisorBenchGuest(guests, name, shape.vcpus(),
                shape.maxVcpus(), shape.mib() * MIB, shape.hotvisorOptions(), shape.cmdline()));
        qemu = new Side("qemu", (name, shape) -> new QemuGuest(shape.cmdline(), shape.qemuArguments()));
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
                    plugAndUnplug(guest, side, run, new Cycle(add, "[ -e " + cpu1 + "/online ]", "echo 1 > " + cpu1 + "/online",
                            remove, "[ ! -e " + cpu1 + " ]"), CpuHotplug.DRIVER, "hcpu" + run,
                            Map.of("socket-id", 0, "core-id", 1, "thread-id", 0));
                }
            }
        }
    }

    /**
     * A hotplug cycle's metrics and the guest's conditions (shell tests): {@code added} holds once
     * the device is in use (the guest's watcher then runs {@code onAdded}, as a udev rule would),
     * {@code removed} once it is gone.
     */
    private record Cycle(Metric add, String added, String onAdded, Metric remove, String removed) {
    }

    /**
     * device_add until the guest's watcher saw {@code cycle.added()} hold, recorded under
     * {@code cycle.add()}; device_del until DEVICE_DELETED, under {@code cycle.remove()}; then
     * waits until the guest saw it gone, so that the next cycle starts clean.
     */
    private void plugAndUnplug(BenchGuest guest, Side side, int run, Cycle cycle, String driver, String id,
                               Map<String, Object> properties) throws Exception {
        String added = guest.watch(cycle.added(), cycle.onAdded());
        long start = System.nanoTime();
        guest.deviceAdd(driver, id, properties);
        record(cycle.add(), side.name(), run, millisSince(start, guest.awaitMarker(added, WAIT)));

        String removed = guest.watch(cycle.removed(), ":");
        start = System.nanoTime();
        guest.deviceDel(id);
        record(cycle.remove(), side.name(), run, millisSince(start, guest.awaitDeviceDeleted(id)));
        guest.awaitMarker(removed, WAIT);
    }

    /** QEMU's PCI hotplug on q35 behind a pcie-root-port: {@code acpi} on ICH9's ACPI hotplug of bridges, else native. */
    private record PciHotplug(String key, String qemu, boolean acpi) {
        List<String> qemuExtras() {
            return List.of("-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
                    "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=" + (acpi ? "on" : "off"));
        }
    }

    /** A device to hot-plug: its model and its backend as Hotvisor's properties (QemuGuest makes QEMU's of them). */
    private record PciDevice(String key, String driver, Map<String, Object> properties) {
    }

    /**
     * virtio-net-pci (on a TAP) and virtio-blk-pci (a 16 MiB raw file): device_add until the
     * guest's sysfs has the device bound to its driver, and device_del until DEVICE_DELETED, against
     * each of QEMU's two ways (each with Hotvisor samples of their own). Hotvisor puts the device
     * into slot 0x1c of its root bus, QEMU into its root port (bus 1 in the guest). QEMU 7.2's q35
     * defaults to ACPI hotplug on bridges, so the native case turns it off.
     */
    private void pciHotplug(int runs) throws Exception {
        Path disk = LinuxKit.get().dataDir().resolve("bench-hot-disk.raw");
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(16 * MIB);
        }
        List<PciDevice> devices = List.of(
                new PciDevice("net", "virtio-net-pci", Map.of("tap", "hvbench1", "mac", "52:54:00:12:34:79")),
                new PciDevice("blk", "virtio-blk-pci", Map.of("file", disk.toString())));
        for (PciHotplug hotplug : List.of(new PciHotplug("pciehp", "q35 + pcie-root-port: native PCIe hotplug (pciehp)", false),
                new PciHotplug("acpi", "q35 + pcie-root-port: ACPI hotplug (acpiphp)", true))) {
            Shape shape = new Shape(1, 1, 512, 512, "", hotplug.qemuExtras());
            for (Side side : List.of(hotvisor, qemu)) {
                Map<String, Object> placement = side == hotvisor ? Map.of("addr", "0x1c") : Map.of("bus", "rp0");
                String sysfs = "/sys/bus/pci/devices/" + (side == hotvisor ? "0000:00:1c.0" : "0000:01:00.0");
                try (BenchGuest guest = side.boot("pcihp-" + hotplug.key(), shape)) {
                    for (int run = 1; run <= runs; run++) {
                        for (PciDevice device : devices) {
                            Metric add = new Metric("pci-add-" + device.key() + "-" + hotplug.key(), "PCI hot-add " + device.driver()
                                    + ": device_add to its driver bound in the guest (QEMU " + hotplug.key() + ")", "ms", true, hotplug.qemu());
                            Metric remove = new Metric("pci-remove-" + device.key() + "-" + hotplug.key(), "PCI hot-remove "
                                    + device.driver() + ": device_del to DEVICE_DELETED (QEMU " + hotplug.key() + ")", "ms", true, hotplug.qemu());
                            Map<String, Object> properties = new LinkedHashMap<>(device.properties());
                            properties.putAll(placement);
                            plugAndUnplug(guest, side, run, new Cycle(add, "[ -e " + sysfs + "/driver ]", ":", remove,
                                    "[ ! -e " + sysfs + " ]"), device.driver(), "p" + device.key() + run, properties);
                        }
                    }
                }
            }
        }
    }

    /**
     * A 256 MiB DIMM: device_add (QEMU: its memory-backend-ram first) until the guest's MemTotal
     * has grown by it, and device_del until DEVICE_DELETED (the guest offlines the movable memory
     * and ejects it); one guest per side, 512 MiB with room for 4 GiB, runs back to back.
     */
    private void dimm(int runs) throws Exception {
        Metric add = new Metric("dimm-add", "DIMM hot-add (256 MiB): device_add to MemTotal grown in the guest", "ms", true, Q35);
        Metric remove = new Metric("dimm-remove", "DIMM hot-remove (256 MiB): device_del to DEVICE_DELETED", "ms", true, Q35);
        String memTotalKib = "read -r _ kib _ </proc/meminfo && [ $kib ";
        for (Side side : List.of(hotvisor, qemu)) {
            try (BenchGuest guest = side.boot("dimm", new Shape(1, 1, 512, 4096, "memhp_default_state=online_movable", List.of()))) {
                long before = Long.parseLong(guest.sh("read -r _ kib _ </proc/meminfo; echo $kib"));
                for (int run = 1; run <= runs; run++) {
                    plugAndUnplug(guest, side, run, new Cycle(add, memTotalKib + "-ge " + (before + 256 * 1024) + " ]", ":",
                            remove, memTotalKib + "-le " + before + " ]"), "pc-dimm", "dimm" + run, Map.of("size", "256M"));
                }
            }
        }
    }

    /**
     * The create request until the VM's QMP socket answered qmp_capabilities: Hotvisor's
     * {@code VmManager.create} and {@code start} in the warm JVM (what vm:create --start calls), with
     * QMP wired as the container wires it; QEMU's process start. The kit, 1 vCPU / 128 MiB; the VM
     * goes as soon as QMP answered; the sides take turns going first.
     */
    private void startup(int runs) throws Exception {
        Metric metric = new Metric("startup-qmp", "Start-up: create request to the VM's QMP answering (1 vCPU / 128 MiB)",
                "ms", true, Q35);
        Shape shape = new Shape(1, 1, 128);
        LinuxKit kit = LinuxKit.get();
        QmpService qmpService = new QmpService(guests.dataDir().resolve("qmp"), new QmpServices("Hotvisor bench"));
        guests.manager().addListener(qmpService);
        try {
            for (int run = 1; run <= runs; run++) {
                for (Side side : run % 2 == 1 ? List.of(hotvisor, qemu) : List.of(qemu, hotvisor)) {
                    if (side == hotvisor) {
                        String name = "startup" + run;
                        long start = System.nanoTime();
                        Vm vm = guests.manager().create(new VmSpec(name, kit.kernel().toString(), kit.initrd().toString(),
                                kit.cmdline(), shape.vcpus(), shape.maxVcpus(), shape.mib() * MIB, Map.of()));
                        try {
                            vm.start();
                            try (QmpClient client = new QmpClient(qmpService.server(name).orElseThrow().socketPath(), WAIT)) {
                                record(metric, side.name(), run, millisSince(start, System.nanoTime()));
                            }
                        } finally {
                            guests.manager().destroy(name);
                        }
                    } else {
                        try (QemuGuest guest = QemuGuest.untilQmp(shape.qemuArguments())) {
                            record(metric, side.name(), run, guest.qmpMillis());
                        }
                    }
                }
            }
        } finally {
            guests.manager().removeListener(qmpService);
            qmpService.close();
        }
    }

    /**
     * Container start: Hotvisor's distribution (its archive is {@code hotvisor.bench.distribution},
     * which compare.sh gives once assembly/ is built) unpacked once, its autostart demo VM made the
     * kit's 1 vCPU / 128 MiB; from starting {@code bin/karaf server} until that VM's QMP socket
     * answered qmp_capabilities, then Karaf is stopped (by its PID) and the next start reuses its
     * bundle cache, as an operator's restart does. One start before the runs fills that cache and
     * is not recorded (docs/performance.md says so). QEMU's side: its process start until QMP
     * answers, as in "startup". The distribution goes to a short directory of its own (so that the
     * VM's socket is DATA/hotvisor/demo/qmp.sock, no fallback), not into the reports; its Karaf
     * log and console are kept.
     */
    private void containerStart(int runs) throws Exception {
        String archive = System.getProperty("hotvisor.bench.distribution");
        if (archive == null || !Files.isRegularFile(Path.of(archive))) {
            throw new IllegalStateException("container-start needs Hotvisor's distribution archive as "
                    + "hotvisor.bench.distribution (bench/compare.sh gives assembly/target/hotvisor-*.tar.gz once it is built); got "
                    + archive);
        }
        Metric metric = new Metric("container-start",
                "Start-up: container start to the autostart VM's QMP answering (1 vCPU / 128 MiB)", "ms", true, Q35);
        Shape shape = new Shape(1, 1, 128);
        LinuxKit kit = LinuxKit.get();
        Path unpacked = Files.createTempDirectory(Path.of("/tmp"), "hv-");
        try {
            HostCommand.run("tar", "-xzf", archive, "-C", unpacked.toString());
            Path home;
            try (Stream<Path> entries = Files.list(unpacked)) {
                home = entries.filter(entry -> Files.isExecutable(entry.resolve("bin/karaf"))).findFirst()
                        .orElseThrow(() -> new IllegalStateException(archive + " holds no bin/karaf"));
            }
            Files.writeString(home.resolve("etc/io.hotvisor.vm~demo.cfg"), String.join("\n",
                    "kernel = " + kit.kernel(), "initrd = " + kit.initrd(), "cmdline = " + kit.cmdline(),
                    "vcpus = " + shape.vcpus(), "memory = " + shape.mib() + "M", "autostart = true", ""));
            try {
                startContainer(home);
                for (int run = 1; run <= runs; run++) {
                    for (Side side : run % 2 == 1 ? List.of(hotvisor, qemu) : List.of(qemu, hotvisor)) {
                        if (side == hotvisor) {
                            record(metric, side.name(), run, startContainer(home));
                        } else {
                            try (QemuGuest guest = QemuGuest.untilQmp(shape.qemuArguments())) {
                                record(metric, side.name(), run, guest.qmpMillis());
                            }
                        }
                    }
                }
            } finally {
                Files.createDirectories(guests.dataDir());
                for (Path log : List.of(home.resolve("data/log/karaf.log"), home.resolve("karaf-console.log"))) {
                    if (Files.exists(log)) {
                        Files.copy(log, guests.dataDir().resolve("container-start-" + log.getFileName()),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } finally {
            HostCommand.run("rm", "-rf", unpacked.toString());
        }
    }

    /** Starts Karaf in HOME, returns the milliseconds until the demo VM's QMP answered, stops Karaf. */
    private static double startContainer(Path home) throws Exception {
        Path socket = home.resolve("data/hotvisor/demo/qmp.sock");
        Files.deleteIfExists(socket); // left by a Karaf that had to be killed
        Path console = home.resolve("karaf-console.log");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long start = System.nanoTime();
        Process karaf = builder.start();
        try {
            long deadline = start + Duration.ofMinutes(10).toNanos();
            while (true) {
                if (!karaf.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("Karaf " + (karaf.isAlive() ? "started no QMP for the demo VM in 10 minutes"
                            : "ended (status " + karaf.exitValue() + ") before the demo VM's QMP answered") + "; see " + console);
                }
                if (Files.exists(socket)) {
                    try (QmpClient client = new QmpClient(socket, WAIT)) {
                        return millisSince(start, System.nanoTime());
                    } catch (IOException notListeningYet) {
                        // The socket file exists from bind() on; listen() follows.
                    }
                }
                Thread.sleep(1);
            }
        } finally {
            stop(karaf);
        }
    }

    /** Ends a process and what it started: TERM, then KILL after two minutes. */
    private static void stop(Process process) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(2, TimeUnit.MINUTES);
            } catch (ExecutionException | TimeoutException e) {
                handle.destroyForcibly();
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
        Map<String, Metric> metrics = new LinkedHashMap<>();
        metrics.put("pio", new Metric("exit-pio", "Exit round trip: PIO write to port 0x80", "ns", true, Q35));
        metrics.put("mmio", new Metric("exit-mmio", "Exit round trip: MMIO read of an unclaimed page", "ns", true, Q35));
        TimedOutput output = new TimedOutput();
        Vm vm = startProbe("exits", output);
        try {
            measureExits(runs, iterations, metrics, hotvisor,
                    new ProbeConsole(line -> vm.console().sendInput((line + "\r").getBytes(StandardCharsets.US_ASCII)), output));
        } finally {
            guests.manager().destroy("exits");
        }
        try (QemuGuest guest = qemuProbe()) {
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

    /**
     * The probe guest (1 vCPU, 64 MiB) under Hotvisor, its console into {@code output}; returns at
     * its prompt, or destroys it and fails.
     */
    private Vm startProbe(String name, TimedOutput output) throws InterruptedException {
        Vm vm = guests.manager().create(new VmSpec(name, PROBE.toString(), null, "console=ttyS0", 1, 1, PROBE_MIB * MIB, Map.of()));
        try {
            vm.console().attach(output::accept);
            vm.start();
            output.awaitText(ProbeConsole.PROMPT, LinuxGuests.BOOT, name);
            return vm;
        } catch (Throwable e) {
            guests.manager().destroy(name);
            throw e;
        }
    }

    /** The probe guest under QEMU, the same ELF through PVH, at its prompt. */
    private static QemuGuest qemuProbe() throws IOException, InterruptedException {
        return QemuGuest.probe(PROBE, List.of("-machine", "q35", "-smp", "1", "-m", PROBE_MIB + "M"));
    }

    /**
     * Resident memory per idle VM beyond the guest memory it touched, for 1 and for 10 probe
     * guests at their prompt: Hotvisor's JVM (one for all its VMs: its whole RSS, after a full GC,
     * minus the guest RAM pages present, divided by the VMs) against QEMU's processes (each one's
     * RSS minus the pages present of its 64 MiB guest RAM mapping, averaged).
     * At most 5 runs: a run boots 22 guests, and the figure hardly moves.
     */
    private void memory(int runs) throws Exception {
        for (int count : List.of(1, 10)) {
            Metric metric = new Metric("memory-overhead-" + count, "Memory: RSS minus guest memory touched per idle VM ("
                    + count + (count == 1 ? " probe guest" : " probe guests") + ")", "MiB", true, Q35);
            for (int run = 1; run <= Math.min(runs, 5); run++) {
                List<String> names = new ArrayList<>();
                try {
                    List<Range> guestRam = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        Vm vm = startProbe("mem" + count + "-" + i, new TimedOutput());
                        names.add(vm.name());
                        vm.memory().regions().forEach(region -> guestRam.add(new Range(region.hostAddress(), region.size())));
                    }
                    System.gc();
                    Resident jvm = Resident.of(ProcessHandle.current().pid(), guestRam);
                    record(metric, hotvisor.name(), run, jvm.overheadMib() / count);
                } finally {
                    names.forEach(guests.manager()::destroy);
                }
                List<QemuGuest> processes = new ArrayList<>();
                try {
                    double overhead = 0;
                    for (int i = 0; i < count; i++) {
                        processes.add(qemuProbe());
                    }
                    for (QemuGuest process : processes) {
                        overhead += Resident.of(process.pid(), Resident.qemuGuestRam(process.pid(), PROBE_MIB * MIB)).overheadMib();
                    }
                    record(metric, qemu.name(), run, overhead / count);
                } finally {
                    for (QemuGuest process : processes) {
                        process.close();
                    }
                }
            }
        }
    }

    /** A range of a process's address space. */
    private record Range(long start, long size) {
    }

    /**
     * A process's resident memory (VmRSS) and the part of it that is guest RAM (the pages of the
     * guest's ranges present in /proc/PID/pagemap), in KiB.
     */
    private record Resident(long kib, long guestKib) {
        private static final int PAGE = 4096;
        private static final long PRESENT = 1L << 63;
        private static final Pattern MAPPING = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) rw");

        static Resident of(long pid, List<Range> guestRam) throws IOException {
            long kib = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:")).mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst().orElseThrow();
            long pages = 0;
            try (FileChannel pagemap = FileChannel.open(Path.of("/proc/" + pid + "/pagemap"))) {
                for (Range range : guestRam) {
                    ByteBuffer entries = ByteBuffer.allocate((int) (range.size() / PAGE * Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
                    long offset = range.start() / PAGE * Long.BYTES;
                    while (entries.hasRemaining()) {
                        if (pagemap.read(entries, offset + entries.position()) <= 0) {
                            throw new IOException("/proc/" + pid + "/pagemap ends inside guest RAM");
                        }
                    }
                    entries.flip();
                    while (entries.hasRemaining()) {
                        pages += (entries.getLong() & PRESENT) != 0 ? 1 : 0;
                    }
                }
            }
            return new Resident(kib, pages * PAGE / 1024);
        }

        /** QEMU's guest RAM: its one read-write mapping of exactly the guest's size (/proc/PID/maps). */
        static List<Range> qemuGuestRam(long pid, long bytes) throws IOException {
            List<Range> ranges = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
                Matcher mapping = MAPPING.matcher(line);
                if (mapping.find()) {
                    long start = Long.parseUnsignedLong(mapping.group(1), 16);
                    long size = Long.parseUnsignedLong(mapping.group(2), 16) - start;
                    if (size == bytes) {
                        ranges.add(new Range(start, size));
                    }
                }
            }
            if (ranges.size() != 1) {
                throw new AssertionError("QEMU " + pid + " has " + ranges.size() + " read-write mappings of " + bytes
                        + " bytes, not the one of its guest RAM");
            }
            return ranges;
        }

        double overheadMib() {
            return (kib - guestKib) / 1024.0;
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
