package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, QMP abuse: 64 clients at once against a running VM's QMP, on its UNIX socket and its
 * TCP port, four kinds of them: clients that flood commands and never read, clients that send a
 * 4 MiB id, clients that never negotiate, clients that flood commands and read. A well-behaved
 * client connected before keeps getting answers throughout (its worst latency is printed, not
 * asserted); afterwards the VM runs, a new client is answered within a second, and the heap after
 * a GC is below 128 MiB.
 */
@KvmTest
class QmpAbuseTest {
    private static final int CLIENTS = 64;
    private static final Duration ABUSE = Duration.ofSeconds(10);
    private static final Duration GUEST = Duration.ofSeconds(30);
    private static final long HEAP_LIMIT = 128L << 20;
    private static final String NEGOTIATE = "{\"execute\":\"qmp_capabilities\"}\r\n";
    private static final String STATUS = "{\"execute\":\"query-status\"}\r\n";
    private static final String COMMANDS = "{\"execute\":\"query-commands\"}\r\n";

    @TempDir
    Path data;

    private enum Kind { NEVER_READS, HUGE_ID, NEVER_NEGOTIATES, FLOODS_AND_READS }

    @Test
    void sixtyFourAbusiveClientsCostNeitherTheVmNorAWellBehavedClient() throws Exception {
        try (QmpFixture fixture = new QmpFixture(data)) {
            Vm vm = fixture.probe("abused", 1, 1, Map.of(QmpService.TCP_OPTION, "0"));
            vm.start();
            new ConsoleHarness(vm).waitFor("probe> ", GUEST);
            Path socket = fixture.socket("abused");
            int tcpPort = fixture.qmp.server("abused").orElseThrow().tcpPort();

            long worstNanos;
            try (QmpTestClient wellBehaved = QmpTestClient.negotiated(socket)) {
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> abusers = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    Kind kind = Kind.values()[i % Kind.values().length];
                    SocketAddress address = i % 2 == 0 ? UnixDomainSocketAddress.of(socket)
                            : new InetSocketAddress("127.0.0.1", tcpPort);
                    Thread abuser = new Thread(() -> abuse(kind, address, stop), "qmp-abuser-" + i);
                    abuser.setDaemon(true);
                    abusers.add(abuser);
                    abuser.start();
                }
                worstNanos = 0;
                long end = System.nanoTime() + ABUSE.toNanos();
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    assertThat(wellBehaved.command(STATUS.strip())).contains("\"status\": \"running\"");
                    worstNanos = Math.max(worstNanos, System.nanoTime() - start);
                    Thread.sleep(50);
                }
                stop.set(true);
                for (Thread abuser : abusers) {
                    abuser.join(Duration.ofSeconds(30).toMillis());
                    assertThat(abuser.isAlive()).as(abuser.getName() + " ended").isFalse();
                }
            }

            assertThat(vm.state()).isEqualTo(VmState.RUNNING);
            try (QmpTestClient fresh = QmpTestClient.negotiated(socket)) {
                long start = System.nanoTime();
                assertThat(fresh.command(STATUS.strip())).contains("\"status\": \"running\"");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            }
            long heap = heapAfterGc();
            System.out.printf("QMP abuse: %d clients for %d s; the well-behaved client's worst latency %.1f ms;"
                    + " heap after GC %d MiB%n", CLIENTS, ABUSE.toSeconds(), worstNanos / 1e6, heap >> 20);
            assertThat(heap).isLessThan(HEAP_LIMIT);
        }
    }

    /**
     * One abusive client until {@code stop}, non-blocking so that it ends when told whatever the
     * server does; the server may refuse or drop it at any point.
     */
    private static void abuse(Kind kind, SocketAddress address, AtomicBoolean stop) {
        try (SocketChannel channel = SocketChannel.open(address)) {
            channel.configureBlocking(false);
            ByteBuffer sink = ByteBuffer.allocate(1 << 16);
            if (kind != Kind.NEVER_NEGOTIATES) {
                write(channel, NEGOTIATE, stop);
            }
            if (kind == Kind.HUGE_ID) {
                write(channel, "{\"execute\":\"query-status\",\"id\":\"" + "a".repeat(4 << 20) + "\"}\r\n", stop);
            }
            while (!stop.get()) {
                switch (kind) {
                    case NEVER_READS -> write(channel, COMMANDS, stop); // large answers pile up on the server's side
                    case FLOODS_AND_READS -> write(channel, STATUS, stop);
                    default -> pause(20);
                }
                if (kind != Kind.NEVER_READS) {
                    sink.clear();
                    if (channel.read(sink) < 0) {
                        return;
                    }
                }
            }
        } catch (IOException refusedOrDropped) {
            // what the server does to abusers
        }
    }

    private static void write(SocketChannel channel, String text, AtomicBoolean stop) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining() && !stop.get()) {
            if (channel.write(buffer) == 0) {
                pause(1); // the server does not take more now
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
