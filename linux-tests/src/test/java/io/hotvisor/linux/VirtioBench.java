package io.hotvisor.linux;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A benchmark, not a test (tagged bench, not @KvmTest: no build runs it, and it asserts nothing): virtio-blk
 * and virtio-net in the kit's Linux under Hotvisor and under QEMU with KVM, side by side in the
 * same L1, the same kernel, initramfs and command line, 1 vCPU and 512 MiB, a raw image on L1's
 * tmpfs and a TAP each. Every figure is timed inside the guest ({@code /proc/uptime}, 10 ms) or
 * by ping. Run it with
 * {@code lab/run-lab.sh --build --compare-qemu --select class:io.hotvisor.linux.VirtioBench}
 * (QEMU 7.2 then sits in L1 at /opt/qemu/bin); the table is in the output and in timings.txt.
 */
@Tag("bench")
@ExtendWith(LinuxGuests.class)
class VirtioBench {
    private static final long MIB = 1 << 20;
    private static final int RUNS = 3;
    /** Guest-side timing of one shell command: prints "elapsed=SECONDS". */
    private static final String TIMED = "a=$(cut -d' ' -f1 /proc/uptime); %s; b=$(cut -d' ' -f1 /proc/uptime);"
            + " echo elapsed=$(awk \"BEGIN { print $b - $a }\")";
    private static final Pattern ELAPSED = Pattern.compile("elapsed=([0-9.]+)");
    private static final Pattern PING_AVG = Pattern.compile("min/avg/max = [0-9.]+/([0-9.]+)/");

    private record Result(String metric, String unit, List<Double> hotvisor, List<Double> qemu) {
    }

    @Test
    void virtioBlkAndNetAgainstQemu(LinuxGuests.Guests guests) throws Exception {
        Path hotvisorDisk = image(guests.dataDir().resolve("bench-hotvisor.raw"));
        Path qemuDisk = image(guests.dataDir().resolve("bench-qemu.raw"));
        LinuxGuest guest = guests.boot("bench", 1, 512 * MIB, Map.of(
                "device.0", "virtio-blk-pci,id=disk0,file=" + hotvisorDisk,
                "device.1", "virtio-net-pci,id=net0,tap=hvbench0"));
        Map<String, List<Double>> hotvisor = measure(command -> guest.sh(command), "hvbench0");
        guests.manager().destroy("bench");

        Map<String, List<Double>> qemu;
        try (QemuGuest qemuGuest = new QemuGuest(List.of("-machine", "q35", "-smp", "1", "-m", "512M",
                "-drive", "file=" + qemuDisk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0",
                "-netdev", "tap,id=n0,ifname=qbench0,script=no,downscript=no", "-device", "virtio-net-pci,netdev=n0,romfile="))) {
            qemu = measure(qemuGuest, "qbench0");
        }

        List<Result> results = new ArrayList<>();
        hotvisor.forEach((metric, values) -> results.add(new Result(metric, metric.endsWith("ms") ? "ms" : "MB/s",
                values, qemu.get(metric))));
        StringBuilder table = new StringBuilder("metric | Hotvisor (median of " + RUNS + ") | QEMU 7.2 q35 | Hotvisor/QEMU\n");
        for (Result result : results) {
            double mine = median(result.hotvisor());
            double theirs = median(result.qemu());
            table.append(String.format(Locale.ROOT, "%s | %.2f %s | %.2f %s | %.2f%n", result.metric(), mine,
                    result.unit(), theirs, result.unit(), mine / theirs));
        }
        System.out.println("[virtio-bench]\n" + table);
        Files.writeString(LinuxKit.get().dataDir().resolve("timings.txt"), table.toString(), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    private static Path image(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (RandomAccessFile image = new RandomAccessFile(file.toFile(), "rw")) {
            image.setLength(128 * MIB);
        }
        return file;
    }

    /** Sequential 1 MiB writes and reads and 4 KiB reads, all O_DIRECT, then ping over the TAP. */
    private static Map<String, List<Double>> measure(GuestShell guest, String tap) throws Exception {
        Map<String, List<Double>> figures = new java.util.LinkedHashMap<>();
        for (int run = 0; run < RUNS; run++) {
            figures.computeIfAbsent("seq write 64 MiB, 1 MiB O_DIRECT", k -> new ArrayList<>()).add(64 / seconds(guest,
                    "dd if=/dev/zero of=/dev/vda bs=1M count=64 oflag=direct 2>/dev/null"));
            figures.computeIfAbsent("seq read 64 MiB, 1 MiB O_DIRECT", k -> new ArrayList<>()).add(64 / seconds(guest,
                    "dd if=/dev/vda of=/dev/null bs=1M count=64 iflag=direct 2>/dev/null"));
            figures.computeIfAbsent("4 KiB O_DIRECT reads (16 MiB), as MB/s", k -> new ArrayList<>()).add(16 / seconds(guest,
                    "dd if=/dev/vda of=/dev/null bs=4k count=4096 iflag=direct 2>/dev/null"));
        }
        HostCommand.run("ip", "addr", "add", "192.168.78.1/24", "dev", tap);
        HostCommand.run("ip", "link", "set", tap, "up");
        guest.sh("ip addr add 192.168.78.2/24 dev eth0 && ip link set eth0 up");
        HostCommand.run("ping", "-c", "3", "-W", "10", "192.168.78.2");
        for (int run = 0; run < RUNS; run++) {
            Matcher average = PING_AVG.matcher(HostCommand.run("ping", "-c", "20", "-i", "0.2", "192.168.78.2"));
            if (!average.find()) {
                throw new AssertionError("no ping average");
            }
            figures.computeIfAbsent("ping L1 to guest, average of 20, ms", k -> new ArrayList<>())
                    .add(Double.parseDouble(average.group(1)));
        }
        return figures;
    }

    private static double seconds(GuestShell guest, String command) throws IOException {
        Matcher elapsed = ELAPSED.matcher(guest.sh(String.format(TIMED, command)));
        if (!elapsed.find()) {
            throw new AssertionError("no elapsed time for " + command);
        }
        return Math.max(0.01, Double.parseDouble(elapsed.group(1)));
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

}
