package io.hotvisor.itests;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this host can run guests, and whether it must. Works in the driver and in the container. */
final class Kvm {

    private Kvm() {
    }

    /** The KVM device; hotvisor.itest.kvmDevice lets the skip/fail paths be tried on a KVM host. */
    static Path device() {
        return Path.of(System.getProperty("hotvisor.itest.kvmDevice", "/dev/kvm"));
    }

    /** Why KVM cannot be used here, or null when it can. */
    static String problem() {
        Path kvm = device();
        if (!Files.exists(kvm)) {
            return kvm + " is missing";
        }
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return kvm + " is not readable and writable by this user (add it to group kvm)";
        }
        return null;
    }

    /** HOTVISOR_REQUIRE_KVM=1 (environment in the driver, system property in the container). */
    static boolean required() {
        return "1".equals(System.getenv("HOTVISOR_REQUIRE_KVM"))
                || "1".equals(System.getProperty("hotvisor.itest.requireKvm"));
    }

    static String skipMessage(String problem) {
        return "*** SKIPPED: " + problem + " - this test needs KVM (HOTVISOR_REQUIRE_KVM=1 makes it fail instead) ***";
    }

    static String failMessage(String problem) {
        return problem + " and HOTVISOR_REQUIRE_KVM=1: this test needs KVM";
    }
}
