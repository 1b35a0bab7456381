package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import org.apache.karaf.features.Feature;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;
import org.osgi.framework.Bundle;

/**
 * The distribution boots and Hotvisor is installed. (What needs VMs runs against a distribution
 * started by scripts/run.sh: io.hotvisor.itests.running.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public class DistributionIT extends HotvisorTestSupport {

    @Test
    public void coreBundleIsActiveAndHotvisorFeatureInstalled() throws Exception {
        awaitBundleActive(CORE_BUNDLE, BOOT_TIMEOUT);
        Bundle core = bundle(CORE_BUNDLE);
        assertNotNull(core);
        assertEquals(Bundle.ACTIVE, core.getState());

        for (String name : new String[] {"hotvisor", "hotvisor-core"}) {
            Feature feature = featuresService.getFeature(name);
            assertNotNull("feature " + name + " is known", feature);
            assertTrue("feature " + name + " is installed", featuresService.isInstalled(feature));
        }
    }

    @Test
    public void unknownVmIsAOneLineError() {
        awaitBundleActive(CORE_BUNDLE, BOOT_TIMEOUT);
        String message;
        try {
            message = shell("vm:info no-such-vm").trim();
        } catch (KarafShell.CommandFailedException e) {
            message = e.error().trim();
        }
        assertTrue("error names the VM: " + message, message.contains("no-such-vm"));
        assertEquals("one line: " + message, 1, message.lines().count());
    }
}
