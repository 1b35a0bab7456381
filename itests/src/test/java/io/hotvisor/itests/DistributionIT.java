package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.karaf.features.Feature;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;
import org.osgi.framework.Bundle;

/** The distribution boots, Hotvisor is installed, and the demo VM runs the probe guest. */
@RunWith(HotvisorExam.class)
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
    @RequiresKvm
    public void demoVmIsListedRunning() {
        requireKvm();
        String out = awaitDemoRunning();
        String header = out.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        assertEquals("vm:list header", "NAME STATE VCPUS MEMORY UPTIME", header.trim().replaceAll("\\s+", " "));
    }

    @Test
    @RequiresKvm
    public void demoVmLogShowsProbeGuestBannerAndPrompt() {
        requireKvm();
        awaitDemoRunning();
        awaitOutput("vm:log " + DEMO, GUEST_TIMEOUT,
                o -> o.contains("Hotvisor probe guest 0.1") && o.contains("probe> "),
                "the probe guest's banner and prompt in vm:log demo");
    }

    @Test
    @RequiresKvm
    public void vmInfoDescribesDemo() {
        requireKvm();
        awaitDemoRunning();
        Map<String, String> info = keyValues(shell("vm:info " + DEMO));
        assertEquals("name", DEMO, info.get("name"));
        assertEquals("state", "running", info.get("state"));
        assertEquals("vcpus", "1", info.get("vcpus"));
        assertTrue("memory is 64 MiB: " + info.get("memory"), java.util.regex.Pattern
                .compile("(?i)^64\\s*(M|MB|MiB)\\b|\\b67108864\\b").matcher(String.valueOf(info.get("memory"))).find());
        assertTrue("kernel: " + info.get("kernel"),
                String.valueOf(info.get("kernel")).endsWith("images/probe-guest.img"));
        assertEquals("cmdline", "console=ttyS0 hotvisor.demo=1", info.get("cmdline"));
        assertTrue("initrd key present: " + info, info.containsKey("initrd"));
        assertTrue("uptime key present: " + info, info.containsKey("uptime"));
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

    /**
     * Waits until vm:list shows the demo VM running and returns that output. After one timeout
     * the other tests fail at once instead of waiting again (a broken build stays quick).
     */
    private String awaitDemoRunning() {
        return awaitOnce("demo-running", () -> awaitOutput("vm:list", DEMO_TIMEOUT,
                o -> "running".equals(vmListState(o, DEMO)), "vm:list to show demo running"));
    }

    /** The STATE column of {@code name}'s row in vm:list output, or null. */
    static String vmListState(String vmListOutput, String name) {
        return vmListOutput.lines()
                .map(String::trim)
                .map(l -> l.split("\\s+"))
                .filter(cols -> cols.length >= 2 && cols[0].equals(name))
                .map(cols -> cols[1])
                .findFirst().orElse(null);
    }

    static Map<String, String> keyValues(String output) {
        Map<String, String> map = new LinkedHashMap<>();
        output.lines().forEach(line -> {
            int colon = line.indexOf(':');
            if (colon > 0) {
                map.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        });
        return map;
    }
}
