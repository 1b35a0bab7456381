package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;
import org.osgi.framework.Bundle;

/**
 * DESIGN.md §6 with a VM running: updating the CPU hotplug bundle keeps the controller state (a
 * pending insert survives), stopping it makes cpu:* fail with a clear message while the guest runs
 * on, and starting it again restores hotplug.
 */
@RunWith(HotvisorExam.class)
@RequiresKvm
@ExamReactorStrategy(PerSuite.class)
public class CpuHotplugLifecycleIT extends HotvisorTestSupport {
    private static final String VM = "hotplug";
    private static final String CPU_BUNDLE = "io.hotvisor.cpu-hotplug";

    private static String probeImage() {
        return Path.of(System.getProperty("karaf.home"), "images", "probe-guest.img").toString();
    }

    private void awaitConsole(String text) {
        awaitOutput("vm:log " + VM + " --lines 400", GUEST_TIMEOUT, output -> output.contains(text),
                "'" + text + "' on the console of " + VM);
    }

    private void awaitCpuCommands() {
        await("cpu:add to be served by the CPU hotplug bundle", BOOT_TIMEOUT, () -> {
            Bundle bundle = bundle(CPU_BUNDLE);
            return bundle != null && bundle.getState() == Bundle.ACTIVE
                    && bundle.getRegisteredServices() != null && bundle.getRegisteredServices().length > 0;
        });
    }

    private String cpuAddError() {
        try {
            return shell("cpu:add " + VM).trim();
        } catch (KarafShell.CommandFailedException e) {
            return e.error().trim();
        }
    }

    private long uptimeSeconds() {
        String info = shell("vm:info " + VM);
        String uptime = DistributionIT.keyValues(info).get("uptime");
        return (long) Double.parseDouble(uptime.replace("s", ""));
    }

    @Test
    public void updateStopAndStartTheBundleUnderARunningVm() throws Exception {
        requireKvm();
        awaitBundleActive(CPU_BUNDLE, BOOT_TIMEOUT);
        awaitCpuCommands();
        shell("vm:create " + VM + " --kernel " + probeImage() + " --vcpus 1 --max-vcpus 4 --memory 64M --start");
        try {
            awaitConsole("probe> ");
            shell("cpu:add " + VM);
            awaitConsole("cpu 1 online");

            // A pending insert: the guest is paused when CPU 2 is plugged and the bundle updated.
            shell("vm:pause " + VM);
            shell("cpu:add " + VM + " --id 2");
            bundle(CPU_BUNDLE).update();
            awaitCpuCommands();
            shell("vm:resume " + VM);
            awaitConsole("cpu 2 online");

            bundle(CPU_BUNDLE).stop();
            String error = cpuAddError();
            assertTrue("cpu:add without the bundle: " + error, error.contains("capability cpu-hotplug is not installed"));
            long before = uptimeSeconds();
            sleep(1500);
            assertEquals("running", DistributionIT.keyValues(shell("vm:info " + VM)).get("state"));
            assertTrue("the guest keeps running", uptimeSeconds() > before);

            bundle(CPU_BUNDLE).start();
            awaitCpuCommands();
            shell("cpu:add " + VM + " --id 3");
            awaitConsole("cpu 3 online");
            // "online" in cpu:list follows the guest's _OST report, just after its console line.
            awaitOutput("cpu:list " + VM, GUEST_TIMEOUT,
                    cpus -> cpus.lines().filter(line -> line.contains("online")).count() == 4, "4 CPUs online");
        } finally {
            shell("vm:destroy " + VM);
        }
    }
}
