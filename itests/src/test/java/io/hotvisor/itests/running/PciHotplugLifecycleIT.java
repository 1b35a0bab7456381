package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §6 for PCI hotplug, with the probe guest running: pci:add puts a device into a slot
 * the guest hears of; updating the bundle with a removal pending keeps it pending, and the eject
 * completes afterwards; stopping the bundle takes pci:* away and a PCI device_add names the
 * feature to start, while the guest and its devices stay; starting it again restores hotplug.
 */
@WithRunningHotvisor
@Order(7)
class PciHotplugLifecycleIT {
    private static final String VM = "pcihp";
    private static final String PCI_BUNDLE = "io.hotvisor.pci-vfio";

    /** The bundle is active and its services (capability, commands) registered. */
    private static void awaitPciHotplug(RunningHotvisor hotvisor) {
        hotvisor.awaitOutput("bundle:services " + PCI_BUNDLE, Vms.GUEST_TIMEOUT, o -> o.contains("io.hotvisor.vmm.api."),
                "the PCI hotplug bundle's services");
    }

    @Test
    void addRemoveAndUpdateTheBundleWithARemovalPending(RunningHotvisor hotvisor) {
        awaitPciHotplug(hotvisor);
        String image = hotvisor.home().resolve("images").resolve("probe-guest.img").toString();
        hotvisor.shell("vm:create " + VM + " --kernel " + image + " --memory 64M --start");
        try {
            Vms.awaitConsole(hotvisor, VM, "probe> ");
            String added = hotvisor.shell("pci:add " + VM + " virtio-rng-pci id=r1 addr=6");
            assertTrue(added.contains("0000:00:06.0"), "pci:add: " + added);
            Vms.awaitConsole(hotvisor, VM, "pci slot 6 added 1af4:1044");
            String list = hotvisor.shell("pci:list " + VM);
            assertTrue(list.contains("0000:00:06.0") && list.contains("r1") && list.contains("virtio-rng-pci")
                    && list.contains("1af4:1044"), "pci:list: " + list);

            // A pending removal: the guest is paused when r1's removal is asked and the bundle updated.
            hotvisor.shell("vm:pause " + VM);
            hotvisor.shell("pci:remove " + VM + " r1");
            hotvisor.shell("bundle:update " + PCI_BUNDLE);
            awaitPciHotplug(hotvisor);
            hotvisor.awaitOutput("pci:list " + VM, Vms.GUEST_TIMEOUT, out -> out.contains("r1") && out.contains("removing"),
                    "r1 still pending removal after the update");
            hotvisor.shell("vm:resume " + VM);
            Vms.awaitConsole(hotvisor, VM, "pci slot 6 ejected");
            hotvisor.awaitOutput("pci:list " + VM, Vms.GUEST_TIMEOUT, out -> !out.contains("r1"), "r1 gone");

            hotvisor.shell("bundle:stop " + PCI_BUNDLE);
            String gone = hotvisor.error("pci:list " + VM);
            assertTrue(gone.contains("Command not found"), "pci:list without the bundle: " + gone);
            String error = hotvisor.error("device:add " + VM + " virtio-rng-pci id=r2");
            assertTrue(error.contains("needs feature hotvisor-pci-vfio, which is installed but not active")
                    && error.contains("bundle:start " + PCI_BUNDLE), "device:add of a PCI device without the bundle: " + error);
            assertEquals("running", Vms.keyValues(hotvisor.shell("vm:info " + VM)).get("state"));

            hotvisor.shell("bundle:start " + PCI_BUNDLE);
            awaitPciHotplug(hotvisor);
            hotvisor.awaitOutput("pci:list " + VM, Vms.GUEST_TIMEOUT, out -> out.contains("SLOT"), "the pci:* commands");
            hotvisor.shell("device:add " + VM + " virtio-rng-pci id=r3");
            Vms.awaitConsole(hotvisor, VM, "pci slot 1 added 1af4:1044"); // the first free slot
        } finally {
            hotvisor.run("bundle:start " + PCI_BUNDLE);
            hotvisor.shell("vm:destroy " + VM);
        }
    }
}
