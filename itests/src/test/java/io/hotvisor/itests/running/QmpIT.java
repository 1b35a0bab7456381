package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * QMP of a running Hotvisor from outside: qmp:exec on the demo VM, and a QEMU client on a VM's
 * TCP port (qmp.tcp), which the lab forwards to this host's 127.0.0.1 as soon as the VM listens.
 */
@WithRunningHotvisor
@Order(5)
class QmpIT {
    private static final String VM = "qmp-tcp";
    private static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
            + "\"package\": \"Hotvisor ";

    @Test
    void qmpExecPrintsTheAnswer(RunningHotvisor hotvisor) {
        Vms.awaitRunning(hotvisor, Vms.DEMO);
        String out = hotvisor.awaitOutput("qmp:exec " + Vms.DEMO + " '{\"execute\":\"query-status\"}'", Vms.GUEST_TIMEOUT,
                o -> o.contains("{\"return\""), "qmp:exec to answer");
        assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}", out.trim());
        String hmp = hotvisor.shell("qmp:exec " + Vms.DEMO
                + " '{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\"}}'");
        assertEquals("{\"return\": \"VM status: running\\r\\n\"}", hmp.trim());
    }

    @Test
    void aVmAnswersOnItsQmpTcpPort(RunningHotvisor hotvisor) throws Exception {
        int port = freePort();
        String image = hotvisor.home().resolve("images").resolve("probe-guest.img").toString();
        hotvisor.shell("vm:create " + VM + " --kernel " + image + " --memory 32M --option qmp.tcp=" + port + " --start");
        try (Socket socket = connect(port, hotvisor)) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write("{\"execute\": \"qmp_capabilities\"}\r\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("{\"return\": {}}", readLine(in));
            out.write("{\"execute\": \"query-status\", \"id\": \"it\"}\r\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": \"it\"}",
                    readLine(in));
        } finally {
            hotvisor.shell("vm:destroy " + VM);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /**
     * A connection that got the QMP greeting. In the lab the forward appears once the VM listens;
     * until then QEMU accepts and closes at once.
     */
    private static Socket connect(int port, RunningHotvisor hotvisor) throws IOException {
        long deadline = System.nanoTime() + Vms.GUEST_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.setSoTimeout(30_000);
                String greeting = readLine(socket.getInputStream());
                assertTrue(greeting.startsWith(GREETING), "greeting: " + greeting);
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
                RunningHotvisor.sleep(500);
            } catch (RuntimeException | Error e) {
                socket.close();
                throw e;
            }
        }
        throw new AssertionError("no QMP greeting on 127.0.0.1:" + port + " (" + hotvisor.where() + ")", last);
    }

    /** One CRLF-terminated line, without the CRLF. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.endsWith("\r\n")) {
                return text.substring(0, text.length() - 2);
            }
        }
        throw new IOException("closed after: " + line.toString(StandardCharsets.UTF_8));
    }
}
