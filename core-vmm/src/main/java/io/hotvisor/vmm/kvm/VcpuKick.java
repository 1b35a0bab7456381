package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;

/**
 * Getting a vCPU thread out of KVM_RUN: set {@code immediate_exit}, then send the thread a
 * real-time signal whose handler is a native no-op (installed once per process).
 */
public final class VcpuKick {
    private static final int SIGNAL_OFFSET = 4;
    private static final int SIGNAL;

    static {
        SIGNAL = HvNative.hv_kick_signal(SIGNAL_OFFSET);
        if (HvNative.hv_install_kick_handler(SIGNAL) != 0) {
            throw new KvmException("cannot install the vCPU kick handler for signal " + SIGNAL);
        }
    }

    private VcpuKick() {
    }

    /** Called by a vCPU thread before its first KVM_RUN; returns its kernel thread id. */
    public static int prepareCurrentThread() {
        return LibC.gettid();
    }

    public static void kick(VcpuFd vcpu, int tid) {
        vcpu.setImmediateExit(true);
        try {
            LibC.tgkill(LibC.getpid(), tid, SIGNAL);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != LibC.ESRCH) {
                throw new KvmException("tgkill of vCPU thread " + tid, e.getErrorCode());
            }
            // ESRCH: the thread has just ended; there is nothing left to kick.
        }
    }
}
