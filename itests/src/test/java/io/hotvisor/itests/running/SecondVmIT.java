package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** vm:create / start / acpi / destroy of a second VM through the shell. */
@WithRunningHotvisor
@Order(2)
class SecondVmIT {
    private static final String VM = "second";

    @Test
    void createStartInspectAndDestroyASecondVm(RunningHotvisor hotvisor) {
        String image = hotvisor.home().resolve("images").resolve("probe-guest.img").toString();
        hotvisor.shell("vm:create " + VM + " --kernel " + image
                + " --vcpus 2 --memory 32M --cmdline \"console=ttyS0 second=1\" --start");
        try {
            hotvisor.awaitOutput("vm:log " + VM, Vms.GUEST_TIMEOUT, o -> o.contains("smp: 2 cpus up") && o.contains("probe> "),
                    "the second VM's probe guest to bring up 2 CPUs");
            String tables = hotvisor.shell("vm:acpi " + VM);
            for (String signature : new String[] {"RSDP", "XSDT", "FACP", "DSDT", "APIC"}) {
                assertTrue(tables.lines().anyMatch(line -> line.startsWith(signature) && line.trim().endsWith("ok")),
                        signature + " listed: " + tables);
            }
        } finally {
            hotvisor.shell("vm:destroy " + VM);
        }
        assertTrue(hotvisor.shell("vm:list").lines().noneMatch(line -> line.startsWith(VM)));
    }
}
