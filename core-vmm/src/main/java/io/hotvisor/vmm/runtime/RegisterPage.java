package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.MmioDevice;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A capability's 4 KiB register page, mapped for the whole life of the machine. Guest accesses go
 * to the capability's handler; while the capability is detached (its bundle being updated) they
 * wait, bounded, for its successor; once that wait has expired (the bundle was removed) the page
 * reads as zeros, i.e. "no event", and ignores writes until a capability attaches again.
 */
final class RegisterPage implements MmioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(RegisterPage.class);
    /** How long an access waits for a successor, and a hold for the handler calls in flight. */
    static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String capability;
    private MmioDevice handler;
    private boolean awaitingSuccessor;
    /** Handler calls running now: a hold waits for them, so the state saved after it has their effect. */
    private int inFlight;

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

    /**
     * Detaches the handler; accesses now wait for a successor (bounded). Returns once the handler
     * calls already running have returned, or after {@link #HOLD_NANOS} if one hangs (a handler
     * waiting for something the caller holds), which the log names.
     */
    synchronized void hold() {
        handler = null;
        awaitingSuccessor = true;
        long deadline = System.nanoTime() + HOLD_NANOS;
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                LOG.warn("capability {}: {} guest register access(es) still running after {} s: the state it saves"
                        + " may miss them", capability, inFlight, TimeUnit.NANOSECONDS.toSeconds(HOLD_NANOS));
                return;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    synchronized boolean attached() {
        return handler != null;
    }

    /** The handler to call, counted in flight until {@link #leave()}; null if none. */
    private synchronized MmioDevice enter() {
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
        if (handler != null) {
            inFlight++;
        }
        return handler;
    }

    private synchronized void leave() {
        if (--inFlight == 0) {
            notifyAll();
        }
    }

    @Override
    public void read(long offset, byte[] data) {
        MmioDevice target = enter();
        if (target == null) {
            Arrays.fill(data, (byte) 0);
            return;
        }
        try {
            target.read(offset, data);
        } finally {
            leave();
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        MmioDevice target = enter();
        if (target == null) {
            return;
        }
        try {
            target.write(offset, data);
        } finally {
            leave();
        }
    }
}
