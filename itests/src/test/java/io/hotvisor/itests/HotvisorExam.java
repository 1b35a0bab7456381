package io.hotvisor.itests;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.junit.AssumptionViolatedException;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.manipulation.Filterable;
import org.junit.runner.manipulation.NoTestsRemainException;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.model.InitializationError;
import org.ops4j.pax.exam.junit.PaxExam;

/**
 * Pax Exam's JUnit 4 runner plus the KVM rule, decided in the driver JVM.
 *
 * <p>Pax Exam runs @Before methods and test bodies inside the container and reports an
 * assumption failure there as a pass, so an in-container "skip" would be invisible. This runner
 * takes the {@link RequiresKvm} tests away from Pax Exam when /dev/kvm is unusable and reports
 * them itself: skipped with a loud message, or failed when HOTVISOR_REQUIRE_KVM=1.
 *
 * <p>Lifecycle rule: once a {@link PaxExam} runner exists, it must be run (even with no tests
 * left), because the PerSuite reactor stops the shared container only after every class it knows
 * has run. A class whose tests all need KVM therefore creates no Pax Exam runner at all when KVM
 * is unusable (and boots no container).
 */
public final class HotvisorExam extends Runner implements Filterable {

    private final Class<?> testClass;
    private final PaxExam delegate;
    private final String kvmProblem = Kvm.problem();
    private final List<Description> kvmTests = new ArrayList<>();
    private boolean delegateHasTests;

    public HotvisorExam(Class<?> testClass) throws InitializationError {
        this.testClass = testClass;
        if (kvmProblem != null && testClass.isAnnotationPresent(RequiresKvm.class)) {
            delegate = null;
            Arrays.stream(testClass.getMethods())
                    .filter(m -> m.isAnnotationPresent(Test.class))
                    .sorted(Comparator.comparing(Method::getName))
                    .forEach(m -> kvmTests.add(
                            Description.createTestDescription(testClass, m.getName(), m.getAnnotations())));
            return;
        }
        delegate = new PaxExam(testClass);
        delegateHasTests = true;
        if (kvmProblem != null) {
            for (Description child : delegate.getDescription().getChildren()) {
                if (child.getAnnotation(RequiresKvm.class) != null) {
                    kvmTests.add(child);
                }
            }
            filterDelegate(new Filter() {
                @Override
                public boolean shouldRun(Description d) {
                    return !kvmTests.contains(d);
                }

                @Override
                public String describe() {
                    return "tests that do not need KVM";
                }
            });
        }
    }

    private void filterDelegate(Filter filter) {
        if (delegate == null || !delegateHasTests) {
            return;
        }
        try {
            delegate.filter(filter);
        } catch (NoTestsRemainException e) {
            delegateHasTests = false; // still run it: see the class comment
        }
    }

    @Override
    public Description getDescription() {
        Description description = Description.createSuiteDescription(testClass);
        if (delegateHasTests) {
            delegate.getDescription().getChildren().forEach(description::addChild);
        }
        kvmTests.forEach(description::addChild);
        return description;
    }

    @Override
    public void filter(Filter filter) throws NoTestsRemainException {
        filterDelegate(filter);
        kvmTests.removeIf(d -> !filter.shouldRun(d));
        if (!delegateHasTests && kvmTests.isEmpty()) {
            throw new NoTestsRemainException();
        }
    }

    @Override
    public void run(RunNotifier notifier) {
        for (Description test : kvmTests) {
            notifier.fireTestStarted(test);
            if (Kvm.required()) {
                notifier.fireTestFailure(new Failure(test, new AssertionError(Kvm.failMessage(kvmProblem))));
            } else {
                String message = Kvm.skipMessage(kvmProblem);
                System.err.println(message + " " + test.getDisplayName());
                notifier.fireTestAssumptionFailed(new Failure(test, new AssumptionViolatedException(message)));
            }
            notifier.fireTestFinished(test);
        }
        if (delegate != null) {
            delegate.run(notifier);
        }
    }
}
