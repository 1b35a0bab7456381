package io.hotvisor.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kit under QEMU (KVM, q35, 1 vCPU, the kit's kernel, initramfs and command line, as run-lab's
 * --compare-qemu boots it), driven over its serial line, for the benchmarks' side-by-side figures.
 * QEMU 7.2 sits in L1 at /opt/qemu/bin when the lab runs with {@code --compare-qemu}.
 */
final class QemuGuest implements GuestShell, AutoCloseable {
    private static final Path QEMU = Path.of("/opt/qemu/bin/qemu-system-x86_64");

    private final Process process;
    private final InputStream out;
    private final OutputStream in;
    private final StringBuilder seen = new StringBuilder();
    private int commands;

    /** {@code machineArguments}: memory, devices and the like, after the common ones. */
    QemuGuest(List<String> machineArguments) throws IOException {
        this("", machineArguments);
    }

    /** {@code extraCmdline}: words after the kit's kernel command line. */
    QemuGuest(String extraCmdline, List<String> machineArguments) throws IOException {
        LinuxKit kit = LinuxKit.get();
        if (!Files.isExecutable(QEMU)) {
            throw new AssertionError(QEMU + " is missing: run with lab/run-lab.sh --compare-qemu");
        }
        List<String> command = new ArrayList<>(List.of(QEMU.toString(), "-enable-kvm", "-cpu", "host", "-smp", "1",
                "-machine", "q35", "-kernel", kit.kernel().toString(), "-initrd", kit.initrd().toString(),
                "-append", (kit.cmdline() + " " + extraCmdline).strip(), "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio"));
        command.addAll(machineArguments);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        out = process.getInputStream();
        in = process.getOutputStream();
        readUntil(kit.prompt(), LinuxGuests.BOOT.toSeconds());
    }

    @Override
    public String sh(String command) throws IOException {
        int n = ++commands;
        in.write(("echo @@Q" + n + "'@@'; " + command + "; echo @@R" + n + "'@@'\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String text = readUntil("@@R" + n + "@@", 120);
        int start = text.lastIndexOf("@@Q" + n + "@@");
        return text.substring(start + ("@@Q" + n + "@@").length(), text.lastIndexOf("@@R" + n + "@@")).trim();
    }

    /**
     * Waits for output that a background job of the guest prints; no command may run in between,
     * as a command's answer swallows what came before it.
     */
    void awaitOutput(String marker, long seconds) throws IOException {
        readUntil(marker, seconds);
    }

    private String readUntil(String marker, long seconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        byte[] buffer = new byte[4096];
        while (seen.indexOf(marker) < 0) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("QEMU guest: no '" + marker + "'; last output:\n"
                        + seen.substring(Math.max(0, seen.length() - 2000)));
            }
            if (out.available() == 0) {
                sleep();
                continue;
            }
            int count = out.read(buffer);
            seen.append(new String(buffer, 0, count, StandardCharsets.ISO_8859_1));
        }
        String text = seen.substring(0, seen.indexOf(marker) + marker.length());
        seen.delete(0, seen.indexOf(marker) + marker.length());
        return text;
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
