package io.hotvisor.itests;

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
import java.util.List;
import java.util.Optional;
import org.apache.karaf.features.Feature;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * QMP in the distribution: the hotvisor feature brings hotvisor-qmp, and stopping the bundle
 * closes every socket and thread it had (the demo VM's socket exists whether its VM runs or not).
 * QMP answers of running VMs: io.hotvisor.itests.running.QmpIT.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public class QmpIT extends HotvisorTestSupport {
    private static final String QMP_BUNDLE = "io.hotvisor.qmp";

    /**
     * The demo VM's QMP socket, as the QMP service says: data/hotvisor/demo/qmp.sock, or a short
     * fallback where that path is too long (a deep checkout). Asked by reflection, because the
     * service's classes change with every update of the bundle.
     */
    private Path demoSocket() {
        Path[] socket = new Path[1];
        await("the QMP service to name the demo VM's socket", BOOT_TIMEOUT, () -> (socket[0] = socketFromService()) != null);
        return socket[0];
    }

    private Path socketFromService() {
        ServiceReference<?> reference = bundleContext.getServiceReference("io.hotvisor.qmp.QmpService");
        Object service = reference == null ? null : bundleContext.getService(reference);
        if (service == null) {
            return null;
        }
        try {
            Optional<?> server = (Optional<?>) service.getClass().getMethod("server", String.class).invoke(service, DEMO);
            if (server.isEmpty()) {
                return null;
            }
            return (Path) server.get().getClass().getMethod("socketPath").invoke(server.get());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot ask the QMP service for the demo VM's socket", e);
        } finally {
            bundleContext.ungetService(reference);
        }
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
