package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.MmioDevice;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A capability's 4 KiB register page, mapped for the whole life of the machine. Guest accesses go
 * to the capability's handler; while the capability is detached (its bundle being updated) they
 * wait, bounded, for its successor; once that wait has expired (the bundle was removed) the page
 * reads as zeros, i.e. "no event", and ignores writes until a capability attaches again.
 */
final class RegisterPage implements MmioDevice {
    static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String capability;
    private MmioDevice handler;
    private boolean awaitingSuccessor;

    RegisterPage(String capability) {
        this.capability = capability;
    }

    String capability() {
        return capability;
    }

    synchronized void attach(MmioDevice newHandler) {
        handler = newHandler;
        awaitingSuccessor = false;
        notifyAll();
    }

    /** Detaches the handler; accesses now wait for a successor (bounded). */
    synchronized void hold() {
        handler = null;
        awaitingSuccessor = true;
    }

    synchronized boolean attached() {
        return handler != null;
    }

    private synchronized MmioDevice currentHandler() {
        long deadline = System.nanoTime() + HOLD_NANOS;
        while (handler == null && awaitingSuccessor) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                awaitingSuccessor = false;
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return handler;
    }

    @Override
    public void read(long offset, byte[] data) {
        MmioDevice target = currentHandler();
        if (target == null) {
            Arrays.fill(data, (byte) 0);
        } else {
            target.read(offset, data);
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        MmioDevice target = currentHandler();
        if (target != null) {
            target.write(offset, data);
        }
    }
}
