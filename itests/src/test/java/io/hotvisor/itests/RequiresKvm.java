package io.hotvisor.itests;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test (or every test of a class) that needs a usable /dev/kvm. {@link HotvisorExam}
 * skips it when KVM is missing, or fails it when HOTVISOR_REQUIRE_KVM=1.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresKvm {
}
