package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.VcpuExit;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VcpuKick;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread per vCPU looping on KVM_RUN and dispatching exits to the buses. Pause and
 * stop requests reach it through flags plus a kick; the loop itself allocates nothing. Work that
 * needs the vCPU out of KVM_RUN (reading its registers) runs on this thread between two runs, as
 * QEMU's run_on_cpu, so no pause and resume of others can race with it.
 */
final class VcpuThread implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(VcpuThread.class);
    private static final long READY_TIMEOUT_SECONDS = 10;
    static final long PAUSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long STOP_TIMEOUT_MILLIS = 10_000;
    private static final ThreadLocal<Boolean> ON_VCPU = ThreadLocal.withInitial(() -> false);

    private final VcpuFd vcpu;
    private final IoBus<PioDevice> pio;
    private final IoBus<MmioDevice> mmio;
    private final GuestEvents events;
    private final Thread thread;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final Object pauseLock = new Object();
    private final ConcurrentLinkedQueue<FutureTask<?>> tasks = new ConcurrentLinkedQueue<>();
    private final byte[][] scratch = {null, new byte[1], new byte[2], null, new byte[4], null, null, null, new byte[8]};
    private volatile int tid;
    private volatile boolean stopRequested;
    private volatile boolean pauseRequested;
    private boolean paused;

    VcpuThread(String vmName, VcpuFd vcpu, IoBus<PioDevice> pio, IoBus<MmioDevice> mmio, GuestEvents events) {
        this.vcpu = vcpu;
        this.pio = pio;
        this.mmio = mmio;
        this.events = events;
        this.thread = new Thread(this, "vcpu-" + vmName + "-" + vcpu.id());
        this.thread.setDaemon(true);
    }

    /** Whether the caller is a vCPU thread (of any VM), which must never wait for vCPU threads. */
    static boolean onVcpuThread() {
        return ON_VCPU.get();
    }

    int id() {
        return vcpu.id();
    }

    /** Completes when the thread has ended (never, for one that was never started). */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** The kernel thread id, once the thread runs. */
    int tid() {
        return tid;
    }

    /** Starts the thread; a paused one waits (out of KVM_RUN) for {@link #resume()}. */
    void start(boolean paused) {
        pauseRequested = paused;
        thread.start();
        try {
            if (!ready.await(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(thread.getName() + " did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + thread.getName(), e);
        }
    }

    @Override
    public void run() {
        ON_VCPU.set(true);
        try {
            tid = VcpuKick.prepareCurrentThread();
            ready.countDown();
            while (!stopRequested) {
                runTasks();
                if (pauseRequested) {
                    waitWhilePaused();
                    continue;
                }
                VcpuExit exit = vcpu.run();
                if (exit == VcpuExit.Interrupted.INSTANCE) {
                    vcpu.setImmediateExit(false);
                } else if (!handle(exit)) {
                    return;
                }
            }
        } catch (Throwable e) {
            // Errors too (an OOM, a class gone with its bundle): a vCPU that ends must fail its VM, never vanish.
            LOG.error("{} failed", thread.getName(), e);
            events.failed(thread.getName() + " failed: " + e);
        } finally {
            ready.countDown();
            ended.complete(null);
            tasks.forEach(task -> task.cancel(false)); // their callers hear at once that nothing will run them
        }
    }

    /** Returns false when this vCPU must not run again (the machine is going away). */
    private boolean handle(VcpuExit exit) {
        if (exit instanceof VcpuExit.Io io) {
            handleIo(io);
            return true;
        }
        if (exit instanceof VcpuExit.Mmio access) {
            handleMmio(access);
            return true;
        }
        if (exit instanceof VcpuExit.SystemEvent event) {
            switch (event.type()) {
                case VcpuExit.SystemEvent.SHUTDOWN -> events.shutdownRequested("guest system event: shutdown");
                case VcpuExit.SystemEvent.RESET -> events.resetRequested("guest system event: reset");
                default -> events.failed("guest crashed (system event " + event.type() + ")");
            }
            return false;
        }
        if (exit == VcpuExit.Shutdown.INSTANCE) {
            events.resetRequested("triple fault on vCPU " + vcpu.id());
            return false;
        }
        if (exit == VcpuExit.Hlt.INSTANCE) {
            return true;
        }
        events.failed(describeFailure(exit));
        return false;
    }

    private String describeFailure(VcpuExit exit) {
        String rip = String.format(" at rip 0x%x", vcpu.regs().rip());
        if (exit instanceof VcpuExit.InternalError error) {
            return "KVM internal error (suberror " + error.suberror() + ") on vCPU " + vcpu.id() + rip;
        }
        if (exit instanceof VcpuExit.FailEntry entry) {
            return String.format("VM entry failed (reason 0x%x) on vCPU %d%s", entry.reason(), vcpu.id(), rip);
        }
        int reason = exit instanceof VcpuExit.Unknown unknown ? unknown.reason() : KvmAbi.KVM_EXIT_UNKNOWN;
        return "unhandled KVM exit reason " + reason + " on vCPU " + vcpu.id() + rip;
    }

    private void handleIo(VcpuExit.Io io) {
        byte[] data = scratch[io.size()];
        IoBus.Mapping<PioDevice> target = pio.find(io.port());
        for (int i = 0; i < io.count(); i++) {
            if (io.isOut()) {
                io.copyOut(i, data);
                pioAccess(target, io.port(), data, true);
            } else {
                pioAccess(target, io.port(), data, false);
                io.copyIn(i, data);
            }
        }
    }

    private void handleMmio(VcpuExit.Mmio access) {
        int length = access.length();
        if (length <= 0 || length > 8 || scratch[length] == null) {
            LOG.warn("{}: MMIO access of {} bytes at 0x{} ignored", thread.getName(), length,
                    Long.toHexString(access.address()));
            return;
        }
        byte[] data = scratch[length];
        IoBus.Mapping<MmioDevice> target = mmio.find(access.address());
        if (access.isWrite()) {
            access.copyOut(data);
            mmioAccess(target, access.address(), data, true);
        } else {
            mmioAccess(target, access.address(), data, false);
            access.copyIn(data);
        }
    }

    /** Unclaimed ports read all-ones; a device that throws must not take the vCPU down. */
    private void pioAccess(IoBus.Mapping<PioDevice> target, int port, byte[] data, boolean write) {
        if (!write) {
            Arrays.fill(data, (byte) 0xFF);
        }
        if (target == null) {
            return;
        }
        try {
            if (write) {
                target.device().write((int) (port - target.base()), data);
            } else {
                target.device().read((int) (port - target.base()), data);
            }
        } catch (RuntimeException e) {
            deviceFailed(target, e);
        }
    }

    private void mmioAccess(IoBus.Mapping<MmioDevice> target, long address, byte[] data, boolean write) {
        if (!write) {
            Arrays.fill(data, (byte) 0xFF);
        }
        if (target == null) {
            return;
        }
        try {
            if (write) {
                target.device().write(address - target.base(), data);
            } else {
                target.device().read(address - target.base(), data);
            }
        } catch (RuntimeException e) {
            deviceFailed(target, e);
        }
    }

    private void deviceFailed(IoBus.Mapping<?> target, RuntimeException e) {
        LOG.warn("{}: device {} at 0x{} failed: {}", thread.getName(),
                target.device().getClass().getSimpleName(), Long.toHexString(target.base()), e.toString());
    }

    private void waitWhilePaused() {
        synchronized (pauseLock) {
            paused = true;
            pauseLock.notifyAll();
            while (pauseRequested && !stopRequested) {
                runTasks(); // before each wait: a task queued before this thread took the lock has no notify left
                try {
                    pauseLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            paused = false;
            pauseLock.notifyAll();
        }
    }

    /**
     * Runs {@code work} on this vCPU's thread out of KVM_RUN (at once when the caller is that
     * thread), waiting at most until {@code deadlineNanos}; a vCPU that does not leave KVM_RUN by
     * then, or whose thread ends first, fails the call and says so.
     */
    <T> T call(Callable<T> work, long deadlineNanos) {
        FutureTask<T> task = new FutureTask<>(work);
        if (Thread.currentThread() == thread) {
            task.run();
        } else {
            if (!thread.isAlive()) {
                throw new VmException("vCPU " + id() + " has no running thread");
            }
            tasks.add(task);
            synchronized (pauseLock) {
                pauseLock.notifyAll(); // a paused loop serves it too
            }
            kickUnlessCurrent();
        }
        try {
            return task.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            task.cancel(false);
            tasks.remove(task);
            throw new VmException("vCPU " + id() + " did not leave KVM_RUN within "
                    + TimeUnit.NANOSECONDS.toSeconds(PAUSE_TIMEOUT_NANOS) + " s");
        } catch (CancellationException e) {
            throw new VmException("vCPU " + id() + " stopped before it could answer");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new VmException(e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            task.cancel(false);
            throw new VmException("interrupted while waiting for vCPU " + id());
        }
    }

    private void runTasks() {
        for (FutureTask<?> task = tasks.poll(); task != null; task = tasks.poll()) {
            task.run();
        }
    }

    /** Asks the vCPU to pause; {@link #awaitPaused} waits until it has left KVM_RUN. */
    void requestPause() {
        pauseRequested = true;
        kickUnlessCurrent();
    }

    /**
     * Waits until the vCPU has paused, at most until {@code deadlineNanos} ({@link System#nanoTime()});
     * returns whether it is out of KVM_RUN for good: paused, ended, or it is the caller (whose loop
     * sees the request before its next KVM_RUN). A resume meanwhile ends the wait with false.
     */
    boolean awaitPaused(long deadlineNanos) {
        if (Thread.currentThread() == thread) {
            return true;
        }
        boolean interrupted = false;
        synchronized (pauseLock) {
            while (!paused && pauseRequested && thread.isAlive()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pauseLock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                } catch (InterruptedException e) {
                    interrupted = true; // the wait is bounded: finish it
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return paused || !thread.isAlive();
        }
    }

    void resume() {
        synchronized (pauseLock) {
            pauseRequested = false;
            pauseLock.notifyAll();
        }
    }

    /** Asks the loop to end, kicking it out of KVM_RUN; {@link #awaitStopped} waits for it. */
    void requestStop() {
        stopRequested = true;
        synchronized (pauseLock) {
            pauseLock.notifyAll();
        }
        kickUnlessCurrent();
    }

    /**
     * Waits for the thread to end (unless it is the caller), kicking it again now and then, at most
     * until {@code deadlineNanos}; an interrupt does not cut the wait short (the caller unmaps what
     * the thread uses next). Returns whether the thread ended (or is the caller, about to).
     */
    boolean awaitStopped(long deadlineNanos) {
        if (Thread.currentThread() == thread) {
            return true;
        }
        boolean interrupted = false;
        while (thread.isAlive() && System.nanoTime() < deadlineNanos) {
            kickUnlessCurrent();
            try {
                thread.join(50);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** A thread that has ended is not kicked: its tid may be another thread's by now. */
    private void kickUnlessCurrent() {
        if (Thread.currentThread() != thread && thread.isAlive()) {
            VcpuKick.kick(vcpu, tid);
        }
    }
}
