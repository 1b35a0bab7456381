package io.hotvisor.itests.running;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Gives tests of {@link WithRunningHotvisor} classes the running Hotvisor, started on first use,
 * and adds to a failed test's output the last lines of Karaf's log and, in the lab, of L1's console.
 */
public final class RunningHotvisorExtension implements ParameterResolver, TestWatcher {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RunningHotvisor.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return RunningHotvisor.get();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        RunningHotvisor hotvisor = RunningHotvisor.current();
        if (hotvisor != null) {
            System.out.println(hotvisor.diagnostics());
        }
    }
}
