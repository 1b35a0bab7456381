package io.hotvisor.itests.running;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the tests of a running Hotvisor share: the demo VM's name, waits, and reading shell output. */
final class Vms {
    /** The demo VM defined by etc/io.hotvisor.vm~demo.cfg. */
    static final String DEMO = "demo";
    /** A VM's guest to its prompt, or a CPU online (nested KVM in the lab is slower than hardware). */
    static final Duration GUEST_TIMEOUT = Duration.ofSeconds(90);

    private Vms() {
    }

    /** Waits until vm:list shows {@code name} running; returns that output. */
    static String awaitRunning(RunningHotvisor hotvisor, String name) {
        return hotvisor.awaitOutput("vm:list", GUEST_TIMEOUT, o -> "running".equals(listState(o, name)),
                "vm:list to show " + name + " running");
    }

    /** Waits until {@code text} is on the serial console of {@code vm}. */
    static void awaitConsole(RunningHotvisor hotvisor, String vm, String text) {
        hotvisor.awaitOutput("vm:log " + vm + " --lines 400", GUEST_TIMEOUT, o -> o.contains(text),
                "'" + text + "' on the console of " + vm);
    }

    /** The STATE column of {@code name}'s row in vm:list output, or null. */
    static String listState(String vmList, String name) {
        return vmList.lines()
                .map(l -> l.trim().split("\\s+"))
                .filter(cols -> cols.length >= 2 && cols[0].equals(name))
                .map(cols -> cols[1])
                .findFirst().orElse(null);
    }

    /** "key: value" lines (vm:info) as a map. */
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
