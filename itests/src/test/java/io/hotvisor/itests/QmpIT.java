package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.karaf.features.Feature;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;
import org.osgi.framework.Bundle;

/**
 * QMP in the distribution: the hotvisor feature brings hotvisor-qmp, the demo VM answers on
 * data/hotvisor/demo/qmp.sock, qmp:exec prints the JSON answer, and stopping the bundle closes
 * every socket and thread it had.
 */
@RunWith(HotvisorExam.class)
@ExamReactorStrategy(PerSuite.class)
public class QmpIT extends HotvisorTestSupport {
    private static final String QMP_BUNDLE = "io.hotvisor.qmp";

    private static Path demoSocket() {
        return Path.of(System.getProperty("karaf.data"), "hotvisor", DEMO, "qmp.sock");
    }

    @Test
    public void hotvisorFeatureIncludesQmp() throws Exception {
        awaitBundleActive(QMP_BUNDLE, BOOT_TIMEOUT);
        Feature qmp = featuresService.getFeature("hotvisor-qmp");
        assertNotNull("feature hotvisor-qmp is known", qmp);
        assertTrue("feature hotvisor-qmp is installed", featuresService.isInstalled(qmp));
        assertTrue("hotvisor pulls hotvisor-qmp", featuresService.getFeature("hotvisor").getDependencies().stream()
                .anyMatch(dependency -> dependency.getName().equals("hotvisor-qmp")));
    }

    @Test
    @RequiresKvm
    public void demoVmAnswersOnItsSocket() throws Exception {
        requireKvm();
        awaitDemoRunning();
        Path socket = demoSocket();
        await(socket + " to exist", BOOT_TIMEOUT, () -> Files.exists(socket));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            assertTrue(readLine(channel).startsWith("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
                    + "\"package\": \"Hotvisor "));
            write(channel, "{\"execute\": \"qmp_capabilities\"}\r\n");
            assertEquals("{\"return\": {}}", readLine(channel));
            write(channel, "{\"execute\": \"query-status\", \"id\": \"it\"}\r\n");
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": \"it\"}",
                    readLine(channel));
        }
    }

    @Test
    @RequiresKvm
    public void qmpExecPrintsTheAnswer() {
        requireKvm();
        awaitDemoRunning();
        awaitBundleActive(QMP_BUNDLE, BOOT_TIMEOUT);
        String out = awaitOutput("qmp:exec " + DEMO + " '{\"execute\":\"query-status\"}'", BOOT_TIMEOUT,
                o -> o.contains("{\"return\""), "qmp:exec to answer");
        assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}", out.trim());
        String hmp = shell("qmp:exec " + DEMO + " '{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\"}}'");
        assertEquals("{\"return\": \"VM status: running\\r\\n\"}", hmp.trim());
    }

    @Test
    public void stoppingTheBundleClosesSocketsAndThreads() throws Exception {
        awaitBundleActive(QMP_BUNDLE, BOOT_TIMEOUT);
        Path socket = demoSocket();
        await(socket + " to exist", BOOT_TIMEOUT, () -> Files.exists(socket));
        Bundle qmp = bundle(QMP_BUNDLE);
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            readLine(client);
            qmp.stop();
            assertTrue("the client was disconnected", client.read(ByteBuffer.allocate(16)) < 0);
        } finally {
            if (qmp.getState() != Bundle.ACTIVE) {
                await("no qmp-* threads after the bundle stopped", BOOT_TIMEOUT, () -> qmpThreads().isEmpty());
                assertTrue("socket removed", !Files.exists(socket));
                qmp.start();
            }
        }
        await(socket + " back after the bundle started", BOOT_TIMEOUT, () -> Files.exists(socket));
        qmp.update();
        await(socket + " back after the bundle was updated", BOOT_TIMEOUT, () -> Files.exists(socket)
                && bundle(QMP_BUNDLE).getState() == Bundle.ACTIVE && qmpThreads().contains("qmp-" + DEMO + "-accept"));
        // One acceptor per VM, and no client threads left from before.
        assertTrue(qmpThreads().toString(), qmpThreads().stream().allMatch(name -> name.endsWith("-accept")));
    }

    private static List<String> qmpThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("qmp-")).sorted().toList();
    }

    private String awaitDemoRunning() {
        return awaitOnce("demo-running", () -> awaitOutput("vm:list", DEMO_TIMEOUT,
                o -> "running".equals(DistributionIT.vmListState(o, DEMO)), "vm:list to show demo running"));
    }

    private static void write(SocketChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** One CRLF-terminated line, without the CRLF. */
    private static String readLine(SocketChannel channel) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new IOException("closed after: " + line.toString(StandardCharsets.UTF_8));
            }
            line.write(one.get(0));
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.endsWith("\r\n")) {
                return text.substring(0, text.length() - 2);
            }
        }
    }
}
