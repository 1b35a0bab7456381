package io.hotvisor.vmm.kvm;

import com.sun.jna.Native;

/** Hotvisor's own tiny native helper (src/main/c/hvnative.c): the vCPU kick signal handler. */
final class HvNative {
    static {
        Native.register(HvNative.class, "hvnative");
    }

    private HvNative() {
    }

    static native int hv_kick_signal(int offset);

    static native int hv_install_kick_handler(int signal);
}
