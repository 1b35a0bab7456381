package io.hotvisor.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
    private int commands;
    private QmpClient qmp;

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

    /** Boots {@code image} and returns once a line holding {@code marker} and then {@code prompt} came. */
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
            markerSeen = output.awaitMarkerLine(marker, LinuxGuests.BOOT, "QEMU guest");
            output.awaitText(prompt, LinuxGuests.BOOT, "QEMU guest");
        } catch (AssertionError | InterruptedException e) {
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

    /** QEMU's QMP, connected on first use. */
    QmpClient qmp() throws IOException, InterruptedException {
        if (qmp == null) {
            qmp = new QmpClient(qmpDirectory.resolve("qmp.sock"), COMMAND);
        }
        return qmp;
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

    @Override
    void deviceAdd(String driver, String id, Map<String, Object> properties) throws IOException, InterruptedException {
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

    /** QEMU 7.2 names no CPU in DEVICE_DELETED, only its child {@code /machine/peripheral/ID/lapic}. */
    @Override
    long awaitDeviceDeleted(String id) throws IOException, InterruptedException {
        return qmp().awaitLine("\"DEVICE_DELETED\"", "\"/machine/peripheral/" + id).nanoTime();
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
