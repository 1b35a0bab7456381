package io.hotvisor.qmp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.FakeVm;
import io.hotvisor.qmp.QmpService;
import io.hotvisor.qmp.QmpServices;
import io.hotvisor.qmp.QmpTestClient;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one VM's QMP server allows a client (audit rows 2, 8 and 9): small limits, a fake clock,
 * and no KVM. Waits are for something to happen (with {@link QmpTestClient#TIMEOUT}), never for
 * time to pass.
 */
class QmpServerLimitsTest {
    private static final QmpLimits SMALL = new QmpLimits(64 * 1024, Duration.ofSeconds(10), 2, 2);
    private static final String QUERY_STATUS = "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}";

    @TempDir
    Path data;
    private final FakeTicker ticker = new FakeTicker();
    private final List<AutoCloseable> open = new ArrayList<>();
    private QmpService service;
    private FakeVm fake;
    private QmpServer server;
    private Path socket;

    @BeforeEach
    void setUp() throws IOException {
        service = new QmpService(data, new QmpServices("Hotvisor test"));
        fake = new FakeVm("limits", 1, 1, event -> server.broadcast(event));
        server = new QmpServer(fake.vm, service.services(), service.registry(), SMALL, ticker);
        socket = data.resolve("qmp.sock");
        server.listenUnix(socket);
        server.listenTcp(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        server.close();
        service.close();
    }

    private <T extends AutoCloseable> T opened(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + QmpTestClient.TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Audit row 2: a client that sends and never reads is disconnected once its output passes the bound. */
    @Test
    void row2AClientThatStopsReadingIsDisconnected() throws Exception {
        QmpTestClient reader = opened(QmpTestClient.negotiated(socket));
        SocketChannel deaf = opened(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        byte[] command = ("{\"execute\": \"query-status\", \"id\": \"" + "x".repeat(16 * 1024) + "\"}\r\n")
                .getBytes(StandardCharsets.UTF_8);
        // 400 answers of 16 KiB: 6.4 MB, far over the bound and the socket's buffers, and under the
        // 1024 lines a queue bounded by lines would keep.
        try {
            for (int i = 0; i < 400; i++) {
                ByteBuffer buffer = ByteBuffer.wrap(command);
                while (buffer.hasRemaining()) {
                    deaf.write(buffer);
                }
            }
        } catch (IOException disconnected) {
            // the server closed the connection while we were still sending
        }
        await("the deaf client disconnected", () -> server.clients() == 1);
        // The other client and the VM go on.
        assertThat(reader.command("{\"execute\": \"query-status\"}")).isEqualTo(QUERY_STATUS);
        fake.vm.pause();
        assertThat(reader.line()).contains("\"event\": \"STOP\"");
        assertThat(fake.state).isEqualTo(VmState.PAUSED);
    }

    /**
     * Ids are echoed verbatim as long as the answer fits the bound; one that does not is not
     * queued (32 clients each holding a 4 MiB answer would take 128 MiB): that client is closed.
     */
    @Test
    void anAnswerLargerThanTheBoundClosesItsClient() throws Exception {
        QmpTestClient client = opened(QmpTestClient.negotiated(socket));
        String id = "y".repeat(32 * 1024);
        assertThat(client.command("{\"execute\": \"query-name\", \"id\": \"" + id + "\"}"))
                .isEqualTo("{\"return\": {\"name\": \"limits\"}, \"id\": \"" + id + "\"}");
        client.send("{\"execute\": \"query-name\", \"id\": \"" + id + id + "\"}\r\n");
        assertThat(client.closedByServer(QmpTestClient.TIMEOUT)).isTrue();
    }

    /** Audit row 9: a client that has not negotiated when its time is up is closed; negotiated ones stay. */
    @Test
    void row9AClientThatDoesNotNegotiateInTimeIsClosed() throws Exception {
        QmpTestClient idle = opened(QmpTestClient.unix(socket));
        assertThat(idle.line()).startsWith("{\"QMP\": ");
        QmpTestClient negotiated = opened(QmpTestClient.negotiated(socket));
        ticker.advance(Duration.ofSeconds(9));
        assertThat(server.clients()).isEqualTo(2);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(idle.closedByServer(QmpTestClient.TIMEOUT)).isTrue();
        ticker.advance(Duration.ofHours(1));
        assertThat(negotiated.command("{\"execute\": \"query-status\"}")).isEqualTo(QUERY_STATUS);
    }

    /** Connections that come and go leave no deadlines behind (a loop of them must not fill the heap). */
    @Test
    void aClientThatLeavesTakesItsDeadlineWithIt() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (QmpTestClient client = QmpTestClient.unix(socket)) {
                assertThat(client.line()).startsWith("{\"QMP\": ");
            }
        }
        await("the clients gone", () -> server.clients() == 0);
        assertThat(ticker.pending()).isZero();
    }

    /** Audit row 9: UNIX and TCP have their own slots, and refusals are one WARN per interval, not one each. */
    @Test
    void row9EachListenerHasItsOwnSlotsAndRefusalsAreLoggedOncePerInterval() throws Exception {
        opened(QmpTestClient.negotiated(socket));
        opened(QmpTestClient.negotiated(socket));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 10; i++) {
                try (QmpTestClient refused = QmpTestClient.unix(socket)) {
                    assertThat(refused.closedByServer(QmpTestClient.TIMEOUT)).isTrue();
                    assertThat(server.clients()).isEqualTo(2);
                }
            }
            ticker.advance(Duration.ofNanos(QmpServer.REFUSAL_LOG_NANOS));
            try (QmpTestClient refused = QmpTestClient.unix(socket)) {
                assertThat(refused.closedByServer(QmpTestClient.TIMEOUT)).isTrue();
            }
        } finally {
            System.setErr(err);
        }
        List<String> warnings = log.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("UNIX socket clients already connected")).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(1)).contains("(9 more like it since the last report)");
        // TCP's slots are still free.
        QmpTestClient tcp = opened(QmpTestClient.tcp(server.tcpPort()));
        assertThat(tcp.line()).startsWith("{\"QMP\": ");
        assertThat(tcp.command("{\"execute\": \"qmp_capabilities\"}")).isEqualTo("{\"return\": {}}");
    }

    /**
     * Audit row 8: 5,000 _OST reports in a burst reach a reading client as a handful, the last
     * one among them, and the client stays connected.
     */
    @Test
    void row8AnOstFloodDoesNotDisconnectAReadingClient() throws Exception {
        QmpTestClient client = opened(QmpTestClient.negotiated(socket));
        for (int i = 0; i < 5000; i++) {
            fake.vm.publish(new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo(null, "1", "CPU", 0x3, i)));
        }
        ticker.advance(Duration.ofSeconds(1));
        List<String> events = new ArrayList<>();
        while (events.isEmpty() || !events.get(events.size() - 1).contains("\"status\": 4999")) {
            events.add(client.line());
        }
        assertThat(events).hasSize(EventThrottle.OST_BURST + 1).allMatch(line -> line.contains("ACPI_DEVICE_OST"));
        assertThat(client.command("{\"execute\": \"query-status\"}")).isEqualTo(QUERY_STATUS);
        assertThat(server.clients()).isEqualTo(1);
    }
}
