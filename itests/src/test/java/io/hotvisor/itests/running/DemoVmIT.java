package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The demo VM of etc/io.hotvisor.vm~demo.cfg starts by itself and runs the probe guest. */
@WithRunningHotvisor
@Order(1)
class DemoVmIT {
    private static final Duration COMMAND = Duration.ofSeconds(30);

    @Test
    void demoVmIsListedRunning(RunningHotvisor hotvisor) {
        String out = Vms.awaitRunning(hotvisor, Vms.DEMO);
        String header = out.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        assertEquals("NAME STATE VCPUS MEMORY UPTIME", header.trim().replaceAll("\\s+", " "), "vm:list header");
    }

    @Test
    void demoVmLogShowsProbeGuestBannerAndPrompt(RunningHotvisor hotvisor) {
        Vms.awaitRunning(hotvisor, Vms.DEMO);
        hotvisor.awaitOutput("vm:log " + Vms.DEMO, Vms.GUEST_TIMEOUT,
                o -> o.contains("Hotvisor probe guest 0.1") && o.contains("probe> "),
                "the probe guest's banner and prompt in vm:log demo");
    }

    /** What a person does at the console: attach, type a command to the guest, detach with Ctrl-]. */
    @Test
    void theConsoleTakesKeysAndCtrlBracketDetaches(RunningHotvisor hotvisor) {
        Vms.awaitRunning(hotvisor, Vms.DEMO);
        try (RunningHotvisor.Session session = hotvisor.login()) {
            session.await("@root()>", COMMAND); // the prompt, "karaf" in bold
            session.type("vm:console " + Vms.DEMO + "\r");
            session.await("Ctrl-] detaches", COMMAND);
            session.type("cpus\r");
            session.await("cpus: 1 online", COMMAND);
            session.type("\u001d");
            session.await("Detached from " + Vms.DEMO, COMMAND);
            session.type("vm:list\r");
            session.await(Vms.DEMO, COMMAND);
            session.type("logout\r");
        }
        Vms.awaitRunning(hotvisor, Vms.DEMO);
    }

    @Test
    void vmInfoDescribesDemo(RunningHotvisor hotvisor) {
        Vms.awaitRunning(hotvisor, Vms.DEMO);
        Map<String, String> info = Vms.keyValues(hotvisor.shell("vm:info " + Vms.DEMO));
        assertEquals(Vms.DEMO, info.get("name"), "name");
        assertEquals("running", info.get("state"), "state");
        assertEquals("1", info.get("vcpus"), "vcpus");
        assertTrue(Pattern.compile("(?i)^64\\s*(M|MB|MiB)\\b|\\b67108864\\b").matcher(String.valueOf(info.get("memory"))).find(),
                "memory is 64 MiB: " + info.get("memory"));
        assertEquals(hotvisor.home().resolve("images").resolve("probe-guest.img").toString(), info.get("kernel"),
                "the kernel in this distribution (the lab mounts it at the same path)");
        assertEquals("console=ttyS0 hotvisor.demo=1", info.get("cmdline"), "cmdline");
        assertTrue(info.containsKey("initrd"), "initrd key present: " + info);
        assertTrue(info.containsKey("uptime"), "uptime key present: " + info);
    }
}
