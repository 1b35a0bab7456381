package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §6 for memory, with the probe guest running: the mem:* commands plug and list DIMMs;
 * updating the memory hotplug bundle with one DIMM plugged and another pending removal keeps both,
 * and the removal completes afterwards; stopping the bundle takes mem:* away while the guest and
 * its memory stay, and starting it again restores hotplug.
 */
@WithRunningHotvisor
@Order(6)
class MemHotplugLifecycleIT {
    private static final String VM = "memhp";
    private static final String MEM_BUNDLE = "io.hotvisor.mem-hotplug";

    /** The bundle is active and its services (capability, device driver, commands) registered. */
    private static void awaitMemHotplug(RunningHotvisor hotvisor) {
        hotvisor.awaitOutput("bundle:services " + MEM_BUNDLE, Vms.GUEST_TIMEOUT, o -> o.contains("io.hotvisor.vmm.api."),
                "the memory hotplug bundle's services");
    }

    private static String memory(RunningHotvisor hotvisor) {
        return Vms.keyValues(hotvisor.shell("vm:info " + VM)).get("memory");
    }

    /**
     * In the lab the probe guest has triple-faulted once while it wrote its pattern over a new
     * DIMM (CI, 2026-12-06: "guest reset request (triple fault on vCPU 0)" right after "mem slot 0
     * insert"; the known lab issue of the issue 12 closing note): then the whole test runs once
     * more on a new VM, loudly. A second time fails.
     */
    @Test
    void updateStopAndStartTheBundleWithDimmsPlugged(RunningHotvisor hotvisor) {
        try {
            lifecycle(hotvisor);
        } catch (AssertionError e) {
            if (String.valueOf(e.getMessage()).split("Hotvisor probe guest ", -1).length - 1 < 2) {
                throw e;
            }
            System.err.println("*** the probe guest reset itself (its banner twice on the console); the test runs"
                    + " once more on a new VM (known lab issue, see the issue 12 closing note): " + e);
            lifecycle(hotvisor);
        }
    }

    private void lifecycle(RunningHotvisor hotvisor) {
        awaitMemHotplug(hotvisor);
        String image = hotvisor.home().resolve("images").resolve("probe-guest.img").toString();
        hotvisor.shell("vm:create " + VM + " --kernel " + image + " --memory 64M --hotplug-memory 1G --start");
        try {
            Vms.awaitConsole(hotvisor, VM, "probe> ");
            hotvisor.shell("mem:add " + VM + " 128M --id d1");
            Vms.awaitConsole(hotvisor, VM, "mem slot 0 online");
            hotvisor.shell("mem:add " + VM + " 128M --id d2");
            Vms.awaitConsole(hotvisor, VM, "mem slot 1 online");
            assertTrue(memory(hotvisor).startsWith("320M"), "vm:info memory: " + memory(hotvisor));

            // A pending removal: the guest is paused when d2's removal is asked and the bundle updated.
            hotvisor.shell("vm:pause " + VM);
            hotvisor.shell("mem:remove " + VM + " d2");
            hotvisor.shell("bundle:update " + MEM_BUNDLE);
            awaitMemHotplug(hotvisor);
            hotvisor.awaitOutput("mem:list " + VM, Vms.GUEST_TIMEOUT, list -> list.contains("pending-remove"),
                    "d2 still pending removal after the update");
            hotvisor.shell("vm:resume " + VM);
            Vms.awaitConsole(hotvisor, VM, "mem slot 1 ejected");
            hotvisor.awaitOutput("mem:list " + VM, Vms.GUEST_TIMEOUT,
                    list -> list.contains("d1") && list.contains("present") && !list.contains("d2"), "d1 alone");

            hotvisor.shell("bundle:stop " + MEM_BUNDLE);
            String gone = hotvisor.error("mem:list " + VM);
            assertTrue(gone.contains("Command not found"), "mem:list without the bundle: " + gone);
            String error = hotvisor.error("device:add " + VM + " pc-dimm id=d3 size=128M");
            assertTrue(error.contains("needs feature hotvisor-mem-hotplug, which is installed but not active")
                    && error.contains("bundle:start " + MEM_BUNDLE), "device:add of a DIMM without the bundle: " + error);
            assertEquals("running", Vms.keyValues(hotvisor.shell("vm:info " + VM)).get("state"));
            assertTrue(memory(hotvisor).startsWith("192M"), "the guest keeps d1: " + memory(hotvisor));

            hotvisor.shell("bundle:start " + MEM_BUNDLE);
            awaitMemHotplug(hotvisor);
            hotvisor.awaitOutput("mem:list " + VM, Vms.GUEST_TIMEOUT, list -> list.contains("d1"), "the mem:* commands");
            hotvisor.shell("mem:add " + VM + " 128M --id d3");
            // d3 takes the slot d2 left: its line is the second of its kind on the console.
            hotvisor.awaitOutput("vm:log " + VM + " --lines 400", Vms.GUEST_TIMEOUT,
                    log -> log.split("mem slot 1 online", -1).length - 1 == 2, "d3 online in slot 1");
        } finally {
            hotvisor.run("bundle:start " + MEM_BUNDLE);
            hotvisor.shell("vm:destroy " + VM);
        }
    }
}
