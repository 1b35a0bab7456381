package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;

/** One-line errors for bad input to vm:create (a VM that runs: io.hotvisor.itests.running.SecondVmIT). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public class VmCommandsIT extends HotvisorTestSupport {
    private static final String CPU_BUNDLE = "io.hotvisor.cpu-hotplug";
    private static final String GED_BUNDLE = "io.hotvisor.acpi-ged";

    private static String probeImage() {
        return Path.of(System.getProperty("karaf.home"), "images", "probe-guest.img").toString();
    }

    /** Runs a command that must fail and returns its error, checked to be one line. */
    private String error(String command) {
        awaitBundleActive(CORE_BUNDLE, BOOT_TIMEOUT);
        String message;
        try {
            message = shell(command).trim();
        } catch (KarafShell.CommandFailedException e) {
            message = e.error().trim();
        }
        assertEquals("one line from '" + command + "': " + message, 1, message.lines().count());
        return message;
    }

    private void assertError(String command, String expected) {
        String message = error(command);
        assertTrue("'" + command + "' answered: " + message, message.contains(expected));
    }

    @Test
    public void badInputGivesOneLineErrorsNamingTheProblem() throws Exception {
        assertError("vm:create bad1 --kernel /no/such/kernel", "/no/such/kernel: no such file");
        Path notAKernel = Files.writeString(Files.createTempFile("not-a-kernel", ".img"), "hello ".repeat(400));
        assertError("vm:create bad2 --kernel " + notAKernel, "not a bzImage");
        assertError("vm:create bad3 --kernel " + probeImage() + " --memory lots", "'lots' is not a memory size");
        assertError("vm:create bad4 --kernel " + probeImage() + " --memory 1M", "too small");
        awaitOutput("vm:list", DEMO_TIMEOUT, o -> o.lines().anyMatch(line -> line.startsWith(DEMO + " ")),
                "the demo VM to be defined");
        assertError("vm:create " + DEMO + " --kernel " + probeImage(), "already exists");
        String list = shell("vm:list");
        assertTrue("no half-created VM: " + list, list.lines().noneMatch(line -> line.startsWith("bad")));
    }

    private boolean hasCpuCommands() {
        return sessionFactory.getRegistry().getCommands().stream()
                .anyMatch(command -> command.getScope().equals("cpu") && command.getName().equals("add"));
    }

    /**
     * A spec setting whose capability does not run names the feature that declares it and the
     * bundle to start; the bundle's cpu:* commands go with it. (Creating a VM opens no /dev/kvm.)
     */
    @Test
    public void maxVcpusWithoutCpuHotplugRunningNamesTheBundleToStart() throws Exception {
        awaitBundleActive(CPU_BUNDLE, BOOT_TIMEOUT);
        await("the cpu:* commands", BOOT_TIMEOUT, this::hasCpuCommands);
        awaitOutput("vm:list", DEMO_TIMEOUT, o -> o.lines().anyMatch(line -> line.startsWith(DEMO + " ")),
                "the demo VM to be defined");
        Bundle cpu = bundle(CPU_BUNDLE);
        cpu.stop();
        try {
            assertError("vm:create capless --kernel " + probeImage() + " --vcpus 1 --max-vcpus 2",
                    "max-vcpus 2 (more than vcpus 1) needs feature hotvisor-cpu-hotplug, which is installed but not"
                            + " active (bundle:start " + CPU_BUNDLE + ")");
            assertError("device:add " + DEMO + " host-x86_64-cpu id=cpu1 core-id=1",
                    "device model 'host-x86_64-cpu' needs feature hotvisor-cpu-hotplug, which is installed but not active");
            assertError("cpu:add " + DEMO, "Command not found");
        } finally {
            cpu.start();
        }
        await("the cpu:* commands again", BOOT_TIMEOUT, this::hasCpuCommands);

        // CPU hotplug does not run without the GED, whose feature it depends on.
        Bundle ged = bundle(GED_BUNDLE);
        ged.stop();
        try {
            assertError("vm:create capless --kernel " + probeImage() + " --vcpus 1 --max-vcpus 2",
                    "max-vcpus 2 (more than vcpus 1) needs feature hotvisor-cpu-hotplug, which is installed but not"
                            + " active (bundle:start " + GED_BUNDLE + ")");
        } finally {
            ged.start();
        }
        await("the cpu:* commands again", BOOT_TIMEOUT, this::hasCpuCommands);
        shell("vm:create capable --kernel " + probeImage() + " --vcpus 1 --max-vcpus 2");
        shell("vm:destroy capable");
    }
}
