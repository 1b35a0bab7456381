package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The demo VM's MBean through Karaf's remote JMX connector (RMI registry 1099, server 44444 on
 * 127.0.0.1, forwarded into the lab there), as an operator's JMX console sees it, logged in as
 * the tests' own user ({@link RunningHotvisor#jmxCredentials()}).
 */
@WithRunningHotvisor
@Order(4)
class JmxIT {
    static final String JMX_URL = "service:jmx:rmi://127.0.0.1:44444/jndi/rmi://127.0.0.1:1099/karaf-root";
    static final Duration STATE_TIMEOUT = Duration.ofSeconds(60);

    private static final ObjectName DEMO = demoName();

    @Test
    void demoAttributes(RunningHotvisor hotvisor) throws Exception {
        try (JMXConnector connector = connect(hotvisor)) {
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            awaitState(mbeans, "running");
            assertEquals(1, ((Number) mbeans.getAttribute(DEMO, "Vcpus")).intValue());
            assertEquals(64L * 1024 * 1024, ((Number) mbeans.getAttribute(DEMO, "MemoryBytes")).longValue());
            long uptime = ((Number) mbeans.getAttribute(DEMO, "UptimeSeconds")).longValue();
            assertTrue(uptime >= 0, "UptimeSeconds >= 0: " + uptime);
            assertEquals(hotvisor.home().resolve("images").resolve("probe-guest.img").toString(),
                    String.valueOf(mbeans.getAttribute(DEMO, "Kernel")),
                    "Kernel is in this distribution (else the JMX port belongs to another Karaf)");
        }
    }

    @Test
    void pauseResumeStopStart(RunningHotvisor hotvisor) throws Exception {
        try (JMXConnector connector = connect(hotvisor)) {
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            awaitState(mbeans, "running");
            for (String[] step : new String[][] {{"pause", "paused"}, {"resume", "running"}, {"stop", "stopped"},
                    {"start", "running"}}) {
                mbeans.invoke(DEMO, step[0], new Object[0], new String[0]);
                awaitState(mbeans, step[1]);
            }
        }
    }

    private static ObjectName demoName() {
        try {
            return new ObjectName("io.hotvisor:type=VirtualMachine,name=" + Vms.DEMO);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A connection once the demo VM runs (the connector comes up with the management feature: retried). */
    private static JMXConnector connect(RunningHotvisor hotvisor) {
        Vms.awaitRunning(hotvisor, Vms.DEMO);
        long deadline = System.nanoTime() + Vms.GUEST_TIMEOUT.toNanos();
        while (true) {
            try {
                return JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL),
                        Map.of(JMXConnector.CREDENTIALS, hotvisor.jmxCredentials()));
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Cannot connect to " + JMX_URL + " (" + hotvisor.where() + ")", e);
                }
                RunningHotvisor.sleep(1000);
            }
        }
    }

    private static void awaitState(MBeanServerConnection mbeans, String expected) throws Exception {
        long deadline = System.nanoTime() + STATE_TIMEOUT.toNanos();
        String state;
        while (!expected.equals(state = String.valueOf(mbeans.getAttribute(DEMO, "State")))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(DEMO + " State is " + state + " after " + STATE_TIMEOUT.toSeconds()
                        + " s, not " + expected);
            }
            RunningHotvisor.sleep(200);
        }
    }
}
