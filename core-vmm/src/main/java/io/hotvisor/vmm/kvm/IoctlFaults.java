package io.hotvisor.vmm.kvm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test hook (issue 14, fault injection): makes the Nth KVM ioctl from now on fail with ENOMEM,
 * as a host short of memory or of KVM resources would, so that tests can walk every step of
 * creating, booting and hot-adding and check what each failure leaves behind. Disarmed it costs
 * one volatile read per ioctl. Counts every ioctl of the process that goes through {@link Fd}
 * (KVM_RUN does not), so tests that arm it run one VM at a time.
 */
public final class IoctlFaults {
    private static final AtomicInteger COUNTDOWN = new AtomicInteger();

    private IoctlFaults() {
    }

    /** Arms the hook: the {@code n}th ioctl from now fails (1 = the next one); 0 disarms it. */
    public static void failNth(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be 0 (off) or more, not " + n);
        }
        COUNTDOWN.set(n);
    }

    /** Whether the armed fault has not fired yet. */
    public static boolean pending() {
        return COUNTDOWN.get() > 0;
    }

    /** Called before each ioctl: throws on the one the hook was armed for. */
    static void beforeIoctl(String name) {
        if (COUNTDOWN.get() > 0 && COUNTDOWN.decrementAndGet() == 0) {
            throw new KvmException(name + " (injected fault)", LibC.ENOMEM);
        }
    }
}
