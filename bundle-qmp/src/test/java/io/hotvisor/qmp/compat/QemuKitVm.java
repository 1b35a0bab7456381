package io.hotvisor.qmp.compat;

import io.hotvisor.vmm.testing.GuestKit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU (Debian's qemu-system-x86 7.2) under TCG booting the guest kit's Linux on q35, for the
 * QEMU side of the QMP compatibility check: the serial console on QEMU's stdin/stdout (so the
 * test can type), QMP on a UNIX socket, QEMU's stderr and the console in files. Stopped through
 * its PID ({@link Process#destroy()}, then {@link Process#destroyForcibly()}), never by name.
 */
public final class QemuKitVm implements AutoCloseable {
    /** The binary: system property {@code hotvisor.qemu}, else {@code qemu-system-x86_64} on the PATH. */
    public static final String BINARY_PROPERTY = "hotvisor.qemu";

    private final Process process;
    private final Path qmpSocket;
    private final Path consoleLog;
    private final StringBuffer console = new StringBuffer();
    private final Thread consoleReader;
    private final Thread shutdownHook;
    private final OutputStream keyboard;
    private int consumed;

    private QemuKitVm(Process process, Path qmpSocket, Path consoleLog) {
        this.process = process;
        this.qmpSocket = qmpSocket;
        this.consoleLog = consoleLog;
        this.keyboard = process.getOutputStream();
        consoleReader = new Thread(this::readConsole, "qemu-console-" + process.pid());
        consoleReader.setDaemon(true);
        consoleReader.start();
        // A test JVM that exits without close() (killed fork, timeout) must not leave QEMU behind.
        shutdownHook = new Thread(process::destroyForcibly, "qemu-stop-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The QEMU binary, failing with what to install when it is missing. */
    public static Path binary() {
        String configured = System.getProperty(BINARY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-x86_64");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("qemu-system-x86_64 is not on the PATH: install it with "
                + "scripts/ensure-host-deps.sh qemu-system-x86 (bundle-qmp's build does), or set -D" + BINARY_PROPERTY);
    }

    /** {@code qemu-system-x86_64 --version}'s first line. */
    public static String version(Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(binary + " --version did not finish");
        }
        return out.lines().findFirst().orElse("?").trim();
    }

    /**
     * Starts QEMU: q35, TCG, {@code -cpu max}, {@code vcpus} CPUs of {@code maxVcpus}, one NUMA
     * node (as Hotvisor's SRAT), 512 MiB, the kit's vmlinux (PVH) and initramfs.
     *
     * @param runDir  a short directory for the QMP socket (UNIX socket paths are limited to 107 bytes)
     * @param logDir  where {@code NAME.console.log}, {@code NAME.stderr.log} and {@code NAME.cmdline} go
     */
    public static QemuKitVm start(Path binary, GuestKit kit, int vcpus, int maxVcpus, Path runDir, Path logDir, String name)
            throws IOException {
        return start(binary, kit, vcpus, maxVcpus, "", "", runDir, logDir, name);
    }

    /**
     * As {@link #start(Path, GuestKit, int, int, Path, Path, String)}, with {@code memoryOptions}
     * appended to {@code -m 512M} (e.g. {@code ,slots=8,maxmem=4G} for DIMM slots) and
     * {@code extraCmdline} to the kit's kernel command line (e.g. {@code memhp_default_state=online_movable}).
     */
    public static QemuKitVm start(Path binary, GuestKit kit, int vcpus, int maxVcpus, String memoryOptions,
            String extraCmdline, Path runDir, Path logDir, String name) throws IOException {
        Files.createDirectories(logDir);
        Path socket = runDir.resolve("qmp.sock");
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "-machine", "q35", "-accel", "tcg", "-cpu", "max",
                "-smp", vcpus + ",maxcpus=" + maxVcpus,
                // Hotvisor always describes node 0 in an SRAT; so does QEMU with one -numa node.
                // Without it QEMU's CPU props have no node-id.
                "-m", "512M" + memoryOptions,
                "-object", "memory-backend-ram,id=ram0,size=512M",
                "-numa", "node,nodeid=0,memdev=ram0",
                "-kernel", kit.vmlinux().toString(),
                "-initrd", kit.initramfs().toString(),
                "-append", (kit.cmdline() + " " + extraCmdline).strip(),
                // No default NIC, VGA, parallel port or floppy: less to emulate under TCG.
                "-nodefaults", "-display", "none",
                "-serial", "stdio",
                "-qmp", "unix:" + socket + ",server=on,wait=off",
                "-no-reboot"));
        Files.writeString(logDir.resolve(name + ".cmdline"), String.join(" ", command) + "\n");
        Process process = new ProcessBuilder(command)
                .redirectError(logDir.resolve(name + ".stderr.log").toFile())
                .start();
        return new QemuKitVm(process, socket, logDir.resolve(name + ".console.log"));
    }

    public long pid() {
        return process.pid();
    }

    public Path qmpSocket() {
        return qmpSocket;
    }

    /** Waits until QMP accepts connections (the socket exists once QEMU has parsed its options). */
    public void awaitQmp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            checkAlive("waiting for its QMP socket");
            if (Files.exists(qmpSocket)) {
                try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    probe.connect(UnixDomainSocketAddress.of(qmpSocket));
                    return;
                } catch (IOException e) {
                    // not listening yet
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("QEMU (pid " + pid() + ") opened no QMP socket at " + qmpSocket + " within " + timeout);
    }

    private void readConsole() {
        byte[] buffer = new byte[4096];
        try (InputStream in = process.getInputStream(); OutputStream log = Files.newOutputStream(consoleLog)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                log.write(buffer, 0, n);
                log.flush();
                console.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            // QEMU exited
        }
    }

    /** Waits for console output not consumed by an earlier wait; returns the match. */
    public Matcher waitFor(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String output = console.toString();
            Matcher matcher = pattern.matcher(output);
            if (matcher.find(Math.min(consumed, output.length()))) {
                consumed = matcher.end();
                return matcher;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("QEMU (pid " + pid() + "): no /" + pattern + "/ on the console within "
                        + timeout.toMillis() + " ms" + (process.isAlive() ? "" : " (QEMU exited " + process.exitValue() + ")")
                        + "; console:\n" + tail(3000));
            }
            Thread.sleep(20);
        }
    }

    public void waitFor(String text, Duration timeout) throws InterruptedException {
        waitFor(Pattern.compile(Pattern.quote(text)), timeout);
    }

    /** Types a line on the serial console. */
    public void type(String line) throws IOException {
        keyboard.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        keyboard.flush();
    }

    public String tail(int chars) {
        return console.substring(Math.max(0, console.length() - chars));
    }

    private void checkAlive(String doing) {
        if (!process.isAlive()) {
            throw new AssertionError("QEMU exited with " + process.exitValue() + " while " + doing + "; console:\n" + tail(3000));
        }
    }

    /** Waits for QEMU to exit by itself (after quit); false after the timeout. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops QEMU through its PID if it still runs: SIGTERM, then SIGKILL after 5 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        try {
            keyboard.close();
        } catch (IOException e) {
            // gone with QEMU
        }
        consoleReader.join(2000);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }
}
