package io.hotvisor.vmm.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that needs /dev/kvm. Tagged {@value #TAG}: surefire leaves such classes out of the
 * module builds, and the kvm-tests module runs them all in one JVM, on this host where its
 * /dev/kvm is fast or in the software lab (lab/run-lab.sh) where it is missing or slow.
 * scripts/lib/kvm-classes.sh finds the classes by this annotation in the sources (for
 * lab/run-lab.sh and for scripts/test.sh's summary, scripts/KvmSummary.java).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Tag(KvmTest.TAG)
@ExtendWith(RequiresKvm.class)
public @interface KvmTest {
    String TAG = "kvm";
}
