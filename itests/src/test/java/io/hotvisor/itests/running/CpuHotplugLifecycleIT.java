package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §6 with a VM running: updating the CPU hotplug bundle keeps the controller state (a
 * pending insert survives), stopping it takes its cpu:* commands away and makes device:add of a
 * CPU say which feature to start while the guest runs on, and starting it again restores hotplug.
 * Bundles are updated, stopped and started with the shell's bundle:* commands, as an operator does.
 * And the bundle updated again and again while the guest scans the controller.
 */
@WithRunningHotvisor
@Order(3)
class CpuHotplugLifecycleIT {
    private static final String VM = "hotplug";
    private static final String CPU_BUNDLE = "io.hotvisor.cpu-hotplug";
    private static final int SCAN_UPDATES = 12;

    /** The bundle is active and its services (capability, device driver, commands) registered. */
    private static void awaitCpuHotplug(RunningHotvisor hotvisor) {
        hotvisor.awaitOutput("bundle:services " + CPU_BUNDLE, Vms.GUEST_TIMEOUT, o -> o.contains("io.hotvisor.vmm.api."),
                "the CPU hotplug bundle's services");
    }

    private static double uptimeSeconds(RunningHotvisor hotvisor) {
        return Double.parseDouble(Vms.keyValues(hotvisor.shell("vm:info " + VM)).get("uptime").replace("s", ""));
    }

    @Test
    void updateStopAndStartTheBundleUnderARunningVm(RunningHotvisor hotvisor) {
        awaitCpuHotplug(hotvisor);
        String image = hotvisor.home().resolve("images").resolve("probe-guest.img").toString();
        hotvisor.shell("vm:create " + VM + " --kernel " + image + " --vcpus 1 --max-vcpus 4 --memory 64M --start");
        try {
            Vms.awaitConsole(hotvisor, VM, "probe> ");
            hotvisor.shell("cpu:add " + VM);
            Vms.awaitConsole(hotvisor, VM, "cpu 1 online");

            // A pending insert: the guest is paused when CPU 2 is plugged and the bundle updated.
            hotvisor.shell("vm:pause " + VM);
            hotvisor.shell("cpu:add " + VM + " --id 2");
            hotvisor.shell("bundle:update " + CPU_BUNDLE);
            awaitCpuHotplug(hotvisor);
            hotvisor.shell("vm:resume " + VM);
            Vms.awaitConsole(hotvisor, VM, "cpu 2 online");

            hotvisor.shell("bundle:stop " + CPU_BUNDLE);
            // The cpu:* commands went with the bundle; the core's device:add names the feature to start.
            String gone = hotvisor.error("cpu:add " + VM);
            assertTrue(gone.contains("Command not found"), "cpu:add without the bundle: " + gone);
            String error = hotvisor.error("device:add " + VM + " host-x86_64-cpu id=cpu3 core-id=3");
            assertTrue(error.contains("needs feature hotvisor-cpu-hotplug, which is installed but not active")
                    && error.contains("bundle:start " + CPU_BUNDLE), "device:add of a CPU without the bundle: " + error);
            double before = uptimeSeconds(hotvisor);
            RunningHotvisor.sleep(1500);
            assertEquals("running", Vms.keyValues(hotvisor.shell("vm:info " + VM)).get("state"));
            assertTrue(uptimeSeconds(hotvisor) > before, "the guest keeps running");

            hotvisor.shell("bundle:start " + CPU_BUNDLE);
            awaitCpuHotplug(hotvisor);
            // Karaf registers the bundle's commands once their services are there, just after them.
            hotvisor.awaitOutput("cpu:list " + VM, Vms.GUEST_TIMEOUT, cpus -> true, "the cpu:* commands");
            hotvisor.shell("cpu:add " + VM + " --id 3");
            Vms.awaitConsole(hotvisor, VM, "cpu 3 online");
            // "online" in cpu:list follows the guest's _OST report, just after its console line.
            hotvisor.awaitOutput("cpu:list " + VM, Vms.GUEST_TIMEOUT,
                    cpus -> cpus.lines().filter(line -> line.contains("online")).count() == 4, "4 CPUs online");
        } finally {
            hotvisor.run("bundle:start " + CPU_BUNDLE);
            hotvisor.shell("vm:destroy " + VM);
        }
    }

    /**
     * Issue 14's race: bundle:update while the guest's CPU scan runs. CPU 1 is added and removed
     * in turn, each request followed in the same shell line by bundle:update after a random number
     * (fixed seed, 0-5) of vm:info commands, a few milliseconds each: the probe guest scans within
     * milliseconds of the event, and the update's stop takes the controller's registers away
     * meanwhile (the shell's sleep counts whole seconds). Each time, once the new bundle is up,
     * CPU 1 ends where it was asked (online by the guest's own report, or absent) and the VM runs.
     */
    @Test
    void bundleUpdatesDuringTheGuestsScansEndWithTheCpuWhereItWasAsked(RunningHotvisor hotvisor) {
        String vm = "scan";
        Random random = new Random(14);
        awaitCpuHotplug(hotvisor);
        String image = hotvisor.home().resolve("images").resolve("probe-guest.img").toString();
        hotvisor.shell("vm:create " + vm + " --kernel " + image + " --vcpus 1 --max-vcpus 2 --memory 64M --start");
        try {
            Vms.awaitConsole(hotvisor, vm, "probe> ");
            for (int update = 1; update <= SCAN_UPDATES; update++) {
                boolean add = update % 2 == 1;
                int delays = random.nextInt(6);
                hotvisor.shell((add ? "cpu:add " + vm + " --id 1" : "cpu:remove " + vm + " 1") + "; "
                        + ("vm:info " + vm + "; ").repeat(delays) + "bundle:update " + CPU_BUNDLE);
                awaitCpuHotplug(hotvisor);
                String expected = add ? "online" : "absent";
                hotvisor.awaitOutput("cpu:list " + vm, Vms.GUEST_TIMEOUT,
                        cpus -> cpus.lines().anyMatch(line -> line.matches("1\\s.*\\s" + expected + "\\s.*")),
                        "CPU 1 " + expected + " after update " + update + " of " + SCAN_UPDATES + " (" + delays
                                + " vm:info after cpu:" + (add ? "add" : "remove") + ")");
                assertEquals("running", Vms.keyValues(hotvisor.shell("vm:info " + vm)).get("state"));
            }
        } finally {
            hotvisor.run("bundle:start " + CPU_BUNDLE);
            hotvisor.shell("vm:destroy " + vm);
        }
    }
}
