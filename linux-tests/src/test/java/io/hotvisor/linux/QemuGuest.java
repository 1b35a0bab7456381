package io.hotvisor.linux;

import io.hotvisor.vmm.api.MemorySize;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The kit under QEMU with KVM (the kit's kernel, initramfs and command line, as run-lab's
 * --compare-qemu boots it), driven over its serial line and a QMP socket, for the benchmarks'
 * side-by-side figures. The caller gives the machine: type, vCPUs, memory, devices. QEMU 7.2 sits
 * in L1 at /opt/qemu/bin when the lab runs with {@code --compare-qemu} (or
 * HOTVISOR_L1_WITH_QEMU=1); elsewhere the one on the PATH runs.
 */
final class QemuGuest extends BenchGuest {
    private static final Path LAB_QEMU = Path.of("/opt/qemu/bin/qemu-system-x86_64");
    private static final Duration COMMAND = Duration.ofSeconds(120);

    private final Path qmpDirectory;
    private final Process process;
    private final OutputStream in;
    private final TimedOutput output = new TimedOutput();
    private final long started;
    private final long markerSeen;
    /** The QMP command that deletes the backend made for a device id by {@link #deviceAdd}. */
    private final Map<String, String> backends = new HashMap<>();
    private int commands;
    private QmpClient qmp;
    private long qmpAnswered;

    /** {@code machineArguments}: machine type, vCPUs, memory, devices, after the common ones. */
    QemuGuest(List<String> machineArguments) throws IOException, InterruptedException {
        this("", machineArguments);
    }

    /** {@code extraCmdline}: words after the kit's kernel command line. Returns once the shell prompts. */
    QemuGuest(String extraCmdline, List<String> machineArguments) throws IOException, InterruptedException {
        this(List.of("-kernel", LinuxKit.get().kernel().toString(), "-initrd", LinuxKit.get().initrd().toString(),
                "-append", (LinuxKit.get().cmdline() + " " + extraCmdline).strip()), machineArguments,
                LinuxKit.get().marker(), LinuxKit.get().prompt());
    }

    /**
     * Starts QEMU on the kit and returns as soon as its QMP socket answered ({@link #qmpMillis}),
     * without waiting for the guest.
     */
    static QemuGuest untilQmp(List<String> machineArguments) throws IOException, InterruptedException {
        return new QemuGuest(List.of("-kernel", LinuxKit.get().kernel().toString(), "-initrd",
                LinuxKit.get().initrd().toString(), "-append", LinuxKit.get().cmdline()), machineArguments, null, null);
    }

    /**
     * Boots {@code image} and returns once a line holding {@code marker} and then {@code prompt}
     * came, or (both null) once QMP answered.
     */
    private QemuGuest(List<String> image, List<String> machineArguments, String marker, String prompt)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(executable(), "-enable-kvm", "-cpu", "host"));
        command.addAll(image);
        command.addAll(List.of("-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio"));
        command.addAll(machineArguments);
        // A short directory of its own: a UNIX socket path has at most 107 bytes.
        qmpDirectory = Files.createTempDirectory("hv-qmp");
        command.addAll(List.of("-qmp", "unix:" + qmpDirectory.resolve("qmp.sock") + ",server=on,wait=off"));
        started = System.nanoTime();
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        in = process.getOutputStream();
        Thread reader = new Thread(this::readSerial, "qemu-serial-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            if (marker == null) {
                qmp();
                markerSeen = 0;
                return;
            }
            markerSeen = output.awaitMarkerLine(marker, LinuxGuests.BOOT, "QEMU guest");
            output.awaitText(prompt, LinuxGuests.BOOT, "QEMU guest");
        } catch (AssertionError | IOException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** The probe guest (its ELF, through PVH), at its prompt: drive it with {@link #type} and {@link #output}. */
    static QemuGuest probe(Path elf, List<String> machineArguments) throws IOException, InterruptedException {
        return new QemuGuest(List.of("-kernel", elf.toString(), "-append", "console=ttyS0"), machineArguments,
                ProbeConsole.BANNER, ProbeConsole.PROMPT);
    }

    /** Types a line on the serial console (Enter as CR, as a terminal sends it). */
    void type(String line) {
        try {
            in.write((line + "\r").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("QEMU's serial line", e);
        }
    }

    /** The serial line as it arrives. */
    TimedOutput output() {
        return output;
    }

    /** The QEMU process's id. */
    long pid() {
        return process.pid();
    }

    /** QEMU's QMP, connected on first use. */
    QmpClient qmp() throws IOException, InterruptedException {
        if (qmp == null) {
            qmp = new QmpClient(qmpDirectory.resolve("qmp.sock"), COMMAND);
            qmpAnswered = System.nanoTime();
        }
        return qmp;
    }

    /** From the QEMU process's start until its QMP socket answered qmp_capabilities, in milliseconds. */
    double qmpMillis() {
        return (qmpAnswered - started) / 1e6;
    }

    private static String executable() {
        return Files.isExecutable(LAB_QEMU) ? LAB_QEMU.toString() : "qemu-system-x86_64";
    }

    private void readSerial() {
        byte[] buffer = new byte[4096];
        try (InputStream out = process.getInputStream()) {
            int count;
            while ((count = out.read(buffer)) > 0) {
                for (int i = 0; i < count; i++) {
                    output.accept(buffer[i]);
                }
            }
        } catch (IOException e) {
            // the process went away: reported below
        }
        output.end("QEMU's serial line closed" + (process.isAlive() ? "" : ", exit status " + process.exitValue()));
    }

    /** From the QEMU process's start to the kit's marker line on the host, in milliseconds. */
    @Override
    double bootMillis() {
        return (markerSeen - started) / 1e6;
    }

    @Override
    public String sh(String command) throws IOException {
        int n = ++commands;
        in.write(("echo @@Q" + n + "'@@'; " + command + "; echo @@R" + n + "'@@'\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        try {
            String text = output.awaitText("@@R" + n + "@@", COMMAND, "QEMU guest");
            int start = text.lastIndexOf("@@Q" + n + "@@");
            return text.substring(start + ("@@Q" + n + "@@").length(), text.lastIndexOf("@@R" + n + "@@")).trim();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    long awaitMarker(String marker, Duration timeout) throws InterruptedException {
        return output.awaitMarkerLine(marker, timeout, "QEMU guest");
    }

    /**
     * Takes Hotvisor's device properties: the backends Hotvisor's drivers open inline
     * ({@code tap=IFNAME} for virtio-net-pci, {@code file=PATH} for virtio-blk-pci, {@code size=}
     * for pc-dimm) become QEMU's netdev, blockdev or memory backend, made first (and timed with
     * the request, as opening them is in Hotvisor's); {@link #awaitDeviceDeleted} deletes them.
     * A NIC gets no option ROM (L1's QEMU has none, and a hot-added device runs no firmware).
     */
    @Override
    void deviceAdd(String driver, String id, Map<String, Object> hotvisorProperties) throws IOException, InterruptedException {
        Map<String, Object> properties = new LinkedHashMap<>(hotvisorProperties);
        String backend = id + "-backend";
        if (properties.remove("tap") instanceof String tap) {
            qmp().command("{\"execute\":\"netdev_add\",\"arguments\":{\"type\":\"tap\",\"id\":\"" + backend
                    + "\",\"ifname\":\"" + tap + "\",\"script\":\"no\",\"downscript\":\"no\"}}");
            backends.put(id, "{\"execute\":\"netdev_del\",\"arguments\":{\"id\":\"" + backend + "\"}}");
            properties.put("netdev", backend);
            properties.put("romfile", "");
        } else if (properties.remove("file") instanceof String file) {
            qmp().command("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"" + backend
                    + "\",\"file\":{\"driver\":\"file\",\"filename\":\"" + file + "\"}}}");
            backends.put(id, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"" + backend + "\"}}");
            properties.put("drive", backend);
        } else if (properties.remove("size") instanceof String size) {
            qmp().command("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\""
                    + backend + "\",\"size\":" + MemorySize.parse(size) + "}}");
            backends.put(id, "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"" + backend + "\"}}");
            properties.put("memdev", backend);
        }
        String arguments = properties.entrySet().stream()
                .map(p -> ",\"" + p.getKey() + "\":" + (p.getValue() instanceof Number ? p.getValue() : "\"" + p.getValue() + "\""))
                .collect(Collectors.joining());
        qmp().command("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"" + driver + "\",\"id\":\"" + id + "\""
                + arguments + "}}");
    }

    @Override
    void deviceDel(String id) throws IOException, InterruptedException {
        qmp().command("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"" + id + "\"}}");
    }

    /**
     * QEMU 7.2 names no CPU in DEVICE_DELETED, only its child {@code /machine/peripheral/ID/lapic}.
     * Deletes the device's backend afterwards, if {@link #deviceAdd} made one.
     */
    @Override
    long awaitDeviceDeleted(String id) throws IOException, InterruptedException {
        long deleted = qmp().awaitLine("\"DEVICE_DELETED\"", "\"/machine/peripheral/" + id).nanoTime();
        String deleteBackend = backends.remove(id);
        if (deleteBackend != null) {
            qmp().command(deleteBackend);
        }
        return deleted;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (qmp != null) {
            qmp.close();
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(qmpDirectory.resolve("qmp.sock"));
        Files.deleteIfExists(qmpDirectory);
    }
}
