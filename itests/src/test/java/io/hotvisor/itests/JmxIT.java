package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Map;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;

/**
 * The demo VM's MBean through Karaf's remote JMX connector (RMI registry 1099, server 44444,
 * user karaf), as an operator's JMX client sees it — not through the platform MBeanServer.
 */
@RunWith(HotvisorExam.class)
@RequiresKvm
@ExamReactorStrategy(PerSuite.class)
public class JmxIT extends HotvisorTestSupport {

    static final Duration STATE_TIMEOUT = Duration.ofSeconds(30);

    private JMXConnector connector;
    private MBeanServerConnection mbeans;
    private ObjectName demo;

    @Before
    public void connect() throws Exception {
        requireKvm();
        demo = new ObjectName("io.hotvisor:type=VirtualMachine,name=" + DEMO);
        // The connector comes up with the management feature; retry until it answers.
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        Exception last = null;
        while (connector == null) {
            try {
                connector = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL),
                        Map.of(JMXConnector.CREDENTIALS, new String[] {"karaf", "karaf"}));
            } catch (Exception e) {
                last = e;
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Cannot connect to " + JMX_URL, last);
                }
                sleep(500);
            }
        }
        mbeans = connector.getMBeanServerConnection();
        awaitOnce("demo-mbean", () -> {
            await(demo + " registered", DEMO_TIMEOUT, () -> {
                try {
                    return mbeans.isRegistered(demo);
                } catch (Exception e) {
                    return false;
                }
            });
            return null;
        });
    }

    @After
    public void disconnect() throws Exception {
        if (connector != null) {
            connector.close();
        }
    }

    @Test
    public void demoAttributes() throws Exception {
        awaitState("running");
        assertEquals(1, ((Number) mbeans.getAttribute(demo, "Vcpus")).intValue());
        assertEquals(64L * 1024 * 1024, ((Number) mbeans.getAttribute(demo, "MemoryBytes")).longValue());
        long uptime = ((Number) mbeans.getAttribute(demo, "UptimeSeconds")).longValue();
        assertTrue("UptimeSeconds >= 0: " + uptime, uptime >= 0);
        String kernel = String.valueOf(mbeans.getAttribute(demo, "Kernel"));
        assertTrue("Kernel: " + kernel, kernel.endsWith("images/probe-guest.img"));
        String home = System.getProperty("karaf.home");
        assertTrue("Kernel " + kernel + " is under this container's karaf.home " + home
                + " (else the JMX port belongs to another Karaf)", kernel.startsWith(home));
    }

    @Test
    public void pauseResumeStopStart() throws Exception {
        awaitState("running");
        invoke("pause");
        awaitState("paused");
        invoke("resume");
        awaitState("running");
        invoke("stop");
        awaitState("stopped");
        invoke("start");
        awaitState("running");
    }

    private void invoke(String operation) throws Exception {
        mbeans.invoke(demo, operation, new Object[0], new String[0]);
    }

    private void awaitState(String expected) {
        String[] last = new String[1];
        try {
            await(demo + " State " + expected, STATE_TIMEOUT, () -> {
                try {
                    last[0] = String.valueOf(mbeans.getAttribute(demo, "State"));
                    return expected.equals(last[0]);
                } catch (Exception e) {
                    last[0] = e.toString();
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " (last State: " + last[0] + ")", e);
        }
    }
}
