package io.hotvisor.itests.running;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that drives the distribution started with scripts/run.sh --detach, VMs and all
 * ({@link RunningHotvisor}); its tests take the instance as a parameter. Tagged "kvm":
 * scripts/test.sh's summary finds such classes by this annotation in the sources and reports
 * where each ran (this host or the lab).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Tag("kvm")
@ExtendWith(RunningHotvisorExtension.class)
public @interface WithRunningHotvisor {
}
