package io.hotvisor.linux;

import io.hotvisor.vmm.api.VmEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A benchmark, not a test (tagged bench): DIMM hot-add until the guest's MemTotal has grown, and
 * hot-remove until DEVICE_DELETED, 256 MiB, under Hotvisor and under QEMU 7.2 (q35,
 * {@code -m 512M,slots=8,maxmem=4G}) in the same L1, with the same kernel, initramfs and command
 * line ({@code memhp_default_state=online_movable}). The clock is the host's, from the request to
 * a marker the guest prints as soon as a 1 ms polling loop sees MemTotal change, read off the
 * serial line (Hotvisor's console is polled every 20 ms: that is the resolution). Hotvisor's
 * requests go through its device manager in-process, QEMU's through QMP. Run it with
 * {@code lab/run-lab.sh --build --compare-qemu --select class:io.hotvisor.linux.MemHotplugBench}.
 */
@Tag("bench")
@ExtendWith(LinuxGuests.class)
class MemHotplugBench {
    private static final int RUNS = 20;
    private static final long MIB = 1L << 20;
    private static final String CMDLINE = "memhp_default_state=online_movable";
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The requests, and waiting for their outcome, on one side. */
    private interface Side {
        void add(int run) throws Exception;

        void remove(int run) throws Exception;

        /** Starts a guest loop that prints {@code marker} once MemTotal is at least (or at most) {@code kib}. */
        void watch(String marker, String comparison, long kib) throws Exception;

        void awaitMarker(String marker) throws Exception;

        long memTotalKib() throws Exception;
    }

    @Test
    void dimmAddAndRemoveAgainstQemu(LinuxGuests.Guests guests) throws Exception {
        LinuxGuest guest = guests.boot("dimmbench", 1, 512 * MIB, Map.of("hotplug-memory", "4G"), CMDLINE);
        Map<String, List<Double>> hotvisor = measure(new Side() {
            @Override
            public void add(int run) {
                guests.devices().add(guest.vm(), "pc-dimm", "d" + run, Map.of("size", "256M"));
            }

            @Override
            public void remove(int run) throws InterruptedException {
                guests.devices().remove(guest.vm(), "d" + run);
                VmEvent.Payload deleted = new VmEvent.DeviceDeleted("d" + run, "/machine/peripheral/d" + run);
                while (guests.events().stream().noneMatch(event -> event.payload().equals(deleted))) {
                    Thread.sleep(1);
                }
            }

            @Override
            public void watch(String marker, String comparison, long kib) {
                guest.sh(watcher(marker, comparison, kib));
            }

            @Override
            public void awaitMarker(String marker) {
                guest.console().waitFor(marker, WAIT);
            }

            @Override
            public long memTotalKib() {
                return Long.parseLong(guest.sh(MEMTOTAL));
            }
        });
        guests.manager().destroy("dimmbench");

        Map<String, List<Double>> qemu;
        try (QemuGuest qemuGuest = new QemuGuest(CMDLINE, List.of("-machine", "q35", "-smp", "1",
                "-m", "512M,slots=8,maxmem=4G"))) {
            QmpClient qmp = qemuGuest.qmp();
            qemu = measure(new Side() {
                @Override
                public void add(int run) throws IOException {
                    qmp.command("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m"
                            + run + "\",\"size\":" + (256 * MIB) + "}}");
                    qmp.command("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d" + run
                            + "\",\"memdev\":\"m" + run + "\"}}");
                }

                @Override
                public void remove(int run) throws IOException {
                    qmp.command("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"d" + run + "\"}}");
                    qmp.awaitLine("\"DEVICE_DELETED\"", "\"d" + run + "\"");
                    qmp.command("{\"execute\":\"object-del\",\"arguments\":{\"id\":\"m" + run + "\"}}");
                }

                @Override
                public void watch(String marker, String comparison, long kib) throws IOException {
                    qemuGuest.sh(watcher(marker, comparison, kib));
                }

                @Override
                public void awaitMarker(String marker) throws InterruptedException {
                    qemuGuest.awaitMarker(marker, WAIT);
                }

                @Override
                public long memTotalKib() throws IOException {
                    return Long.parseLong(qemuGuest.sh(MEMTOTAL));
                }
            });
        }

        StringBuilder table = new StringBuilder("metric | Hotvisor (median of " + RUNS + ") | QEMU 7.2 q35 | Hotvisor/QEMU\n");
        hotvisor.forEach((metric, values) -> {
            double mine = VirtioBench.median(values);
            double theirs = VirtioBench.median(qemu.get(metric));
            table.append(String.format(Locale.ROOT, "%s | %.1f ms | %.1f ms | %.2f%n", metric, mine, theirs, mine / theirs));
        });
        System.out.println("[dimm-bench]\n" + table);
        Files.writeString(LinuxKit.get().dataDir().resolve("timings.txt"), table.toString(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static final String MEMTOTAL = "awk '/^MemTotal:/ { print $2 }' /proc/meminfo";

    private static String watcher(String marker, String comparison, long kib) {
        return "(until [ $(" + MEMTOTAL + ") " + comparison + " " + kib + " ]; do sleep 0.001; done; echo " + marker.charAt(0)
                + "'" + marker.substring(1) + "') & :";
    }

    private static Map<String, List<Double>> measure(Side side) throws Exception {
        Map<String, List<Double>> figures = new java.util.LinkedHashMap<>();
        for (int run = 0; run < RUNS; run++) {
            long before = side.memTotalKib();
            String online = "@@ONLINE" + run + "@@";
            side.watch(online, "-ge", before + 256 * 1024);
            long start = System.nanoTime();
            side.add(run);
            side.awaitMarker(online);
            figures.computeIfAbsent("DIMM 256 MiB device_add to MemTotal grown", k -> new ArrayList<>())
                    .add((System.nanoTime() - start) / 1e6);

            String gone = "@@GONE" + run + "@@";
            side.watch(gone, "-le", before);
            long removal = System.nanoTime();
            side.remove(run);
            figures.computeIfAbsent("DIMM 256 MiB device_del to DEVICE_DELETED", k -> new ArrayList<>())
                    .add((System.nanoTime() - removal) / 1e6);
            side.awaitMarker(gone);
        }
        return figures;
    }
}
