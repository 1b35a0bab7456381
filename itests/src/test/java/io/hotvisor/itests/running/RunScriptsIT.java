package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's commands for scripts, against the Hotvisor that {@code scripts/run.sh --detach}
 * started for this run (in the lab where /dev/kvm is missing or slow): {@code scripts/shell.sh}
 * prints a command's output and exits non-zero when it fails, and {@code scripts/run.sh --stop}
 * leaves no process behind. Runs last: it stops Hotvisor.
 */
@WithRunningHotvisor
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunScriptsIT {

    @Test
    @Order(1)
    void shellPrintsVmListWithTheDemoRunning(RunningHotvisor hotvisor) {
        Vms.awaitRunning(hotvisor, Vms.DEMO);
        RunningHotvisor.Result list = hotvisor.run("vm:list");
        assertEquals(0, list.status(), list.output());
        assertEquals("running", Vms.listState(list.output(), Vms.DEMO), list.output());
    }

    @Test
    @Order(2)
    void aFailingCommandExitsNonZeroWithOneLine(RunningHotvisor hotvisor) {
        String error = hotvisor.error("vm:info no-such-vm");
        assertTrue(error.contains("no-such-vm"), "the error names the VM: " + error);
        assertEquals(1, error.lines().count(), "one line: " + error);
        assertFalse(hotvisor.run("no-such:command").ok(), "an unknown command fails");
    }

    @Test
    @Order(3)
    void stopLeavesNoProcessBehind(RunningHotvisor hotvisor) {
        RunningHotvisor.Result stop = hotvisor.stop();
        assertEquals(0, stop.status(), stop.output());
        // Anything of it names its run directory: QEMU's shares, Karaf's karaf.home, the lab's helpers.
        String runDir = hotvisor.runDirectory().toString();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<String> left;
        while (!(left = processesNaming(runDir)).isEmpty() && System.nanoTime() < deadline) {
            RunningHotvisor.sleep(500);
        }
        assertEquals(List.of(), left, "processes of the stopped Hotvisor");
        assertFalse(hotvisor.run("vm:list").ok(), "scripts/shell.sh fails once Hotvisor is stopped");
    }

    private static List<String> processesNaming(String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(line -> line.contains(text))
                .toList();
    }
}
