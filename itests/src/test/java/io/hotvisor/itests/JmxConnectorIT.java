package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;

/**
 * Karaf's remote JMX connector (RMI registry 1099, server 44444, the tests' user) serves each defined
 * VM's MBean, as an operator's JMX client sees it, with the VM's definition whether or not it can
 * run here. Operations on a running VM: io.hotvisor.itests.running.JmxIT.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public class JmxConnectorIT extends HotvisorTestSupport {

    @Test
    public void theDemoVmsMBeanIsReachableThroughTheConnector() throws Exception {
        ObjectName demo = new ObjectName("io.hotvisor:type=VirtualMachine,name=" + DEMO);
        JMXConnector[] connector = new JMXConnector[1];
        // The connector comes up with the management feature; retry until it answers.
        await(JMX_URL + " to accept " + TEST_USER, BOOT_TIMEOUT, () -> {
            try {
                connector[0] = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL),
                        Map.of(JMXConnector.CREDENTIALS, new String[] {TEST_USER, testPassword()}));
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        try {
            MBeanServerConnection mbeans = connector[0].getMBeanServerConnection();
            await(demo + " registered", DEMO_TIMEOUT, () -> {
                try {
                    return mbeans.isRegistered(demo);
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(1, ((Number) mbeans.getAttribute(demo, "Vcpus")).intValue());
            assertEquals(64L * 1024 * 1024, ((Number) mbeans.getAttribute(demo, "MemoryBytes")).longValue());
            String kernel = String.valueOf(mbeans.getAttribute(demo, "Kernel"));
            String home = System.getProperty("karaf.home");
            assertTrue("Kernel " + kernel + " is under this container's karaf.home " + home
                    + " (else the JMX port belongs to another Karaf)", kernel.startsWith(home));
        } finally {
            connector[0].close();
        }
    }
}
