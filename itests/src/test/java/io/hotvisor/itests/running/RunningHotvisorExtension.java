package io.hotvisor.itests.running;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Gives tests of {@link WithRunningHotvisor} classes the running Hotvisor, started on first use;
 * runs a test once more on a new Hotvisor when the lab's L1 wedged under it (as lab/run-lab.sh
 * boots L1 again); adds to a failed test's output the last lines of Karaf's log and, in the lab,
 * of L1's console. Tests take the Hotvisor as a parameter of the test method (not of lifecycle
 * methods), so that the second run gets the new one.
 */
public final class RunningHotvisorExtension implements ParameterResolver, InvocationInterceptor, TestWatcher {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RunningHotvisor.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return RunningHotvisor.get();
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> test,
            ExtensionContext context) throws Throwable {
        try {
            invocation.proceed();
        } catch (Throwable failure) {
            if (!RunningHotvisor.restartIfWedged()) {
                throw failure;
            }
            Object[] arguments = test.getArguments().stream()
                    .map(argument -> argument instanceof RunningHotvisor ? RunningHotvisor.get() : argument)
                    .toArray();
            Method method = test.getExecutable();
            method.setAccessible(true);
            try {
                method.invoke(test.getTarget().orElse(null), arguments);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        RunningHotvisor hotvisor = RunningHotvisor.current();
        if (hotvisor != null) {
            System.out.println(hotvisor.diagnostics());
        }
    }
}
