package io.hotvisor.vmm.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.hotvisor.vmm.kvm.Kvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tests that need /dev/kvm: skipped loudly without it, failed instead when
 * HOTVISOR_REQUIRE_KVM=1 (as in CI), so they can never skip green there.
 */
public final class RequiresKvm implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        if (Kvm.available()) {
            return;
        }
        String message = "/dev/kvm is missing or not accessible: " + context.getDisplayName() + " cannot run";
        if ("1".equals(System.getenv("HOTVISOR_REQUIRE_KVM"))) {
            fail(message + " (HOTVISOR_REQUIRE_KVM=1)");
        }
        System.err.println("*** SKIPPED: " + message + " ***");
        Assumptions.abort(message);
    }
}
