package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.VcpuControl;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.VcpuRegisters;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.arch.BootMsrs;
import io.hotvisor.vmm.arch.CpuTopology;
import io.hotvisor.vmm.arch.LongModeBoot;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmRegs;
import io.hotvisor.vmm.kvm.KvmSregs;
import io.hotvisor.vmm.kvm.VcpuFd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every possible vCPU of one machine: creates them (at boot or on plug), parks ejected ones (KVM
 * cannot destroy a vCPU, so the fd and its parked thread stay for reuse) and resets a reused one
 * to the INIT/SIPI wait state, never to the boot CPU's state. Its lock guards its tables only: it
 * is never held while waiting for a vCPU thread to pause or stop, since a vCPU in a device handler
 * (the CPU controller asks what is present) may need it before it can.
 */
final class Vcpus implements VcpuControl, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Vcpus.class);

    private final String vmName;
    /** KVM_CREATE_VCPU: the VM fd's, or a test's. */
    private final IntFunction<VcpuFd> createVcpu;
    private final CpuTopology topology;
    private final BootMsrs msrs;
    private final IoBus<PioDevice> pio;
    private final IoBus<MmioDevice> mmio;
    private final GuestEvents events;
    private final VcpuFd[] fds;
    private final VcpuThread[] threads;
    private final byte[][] resetLapics;
    private final VcpuInfo.State[] states;
    private final boolean[] parked;
    private boolean started;
    private boolean paused;
    /** Set by {@link #close()}: no vCPU may be plugged any more, it would never be closed. */
    private boolean closing;

    Vcpus(String vmName, int maxVcpus, IntFunction<VcpuFd> createVcpu, CpuTopology topology, BootMsrs msrs, IoBus<PioDevice> pio,
          IoBus<MmioDevice> mmio, GuestEvents events) {
        this.vmName = vmName;
        this.createVcpu = createVcpu;
        this.topology = topology;
        this.msrs = msrs;
        this.pio = pio;
        this.mmio = mmio;
        this.events = events;
        this.fds = new VcpuFd[maxVcpus];
        this.threads = new VcpuThread[maxVcpus];
        this.resetLapics = new byte[maxVcpus][];
        this.states = new VcpuInfo.State[maxVcpus];
        this.parked = new boolean[maxVcpus];
        Arrays.fill(states, VcpuInfo.State.ABSENT);
    }

    /**
     * Sets up vCPU {@code id} with its CPUID, MSRs and LAPIC wiring, waiting for INIT/SIPI, thread
     * not started. KVM cannot destroy a vCPU, so one whose set-up failed keeps its fd (closed with
     * the others) and the next try sets that fd up again; the id counts as present only once its
     * thread exists.
     */
    synchronized VcpuFd create(int id) {
        if (fds[id] == null) {
            fds[id] = createVcpu.apply(id);
        }
        VcpuFd vcpu = fds[id];
        vcpu.setCpuid(topology.cpuidFor(id));
        msrs.apply(vcpu);
        LongModeBoot.resetFpuAndLapic(vcpu);
        resetLapics[id] = vcpu.lapic();
        vcpu.setMpState(KvmAbi.KVM_MP_STATE_UNINITIALIZED);
        threads[id] = new VcpuThread(vmName, vcpu, pio, mmio, events);
        states[id] = VcpuInfo.State.ONLINE;
        return vcpu;
    }

    /** Starts the threads of the vCPUs created at boot. */
    synchronized void start() {
        started = true;
        for (VcpuThread thread : threads) {
            if (thread != null) {
                thread.start(false);
            }
        }
    }

    /**
     * Pauses every running vCPU, waiting (without this lock) at most 10 s in all. If some did not
     * pause, those that did resume and this throws: a VM half paused is not reported paused.
     */
    void pauseAll() {
        List<VcpuThread> running;
        synchronized (this) {
            paused = true;
            running = running();
            running.forEach(VcpuThread::requestPause);
        }
        long deadline = System.nanoTime() + VcpuThread.PAUSE_TIMEOUT_NANOS;
        List<Integer> late = running.stream().filter(thread -> !thread.awaitPaused(deadline))
                .map(VcpuThread::id).toList();
        if (!late.isEmpty()) {
            resumeAll();
            throw new VmException(vmName + ": vCPUs " + late + " did not pause within "
                    + TimeUnit.NANOSECONDS.toSeconds(VcpuThread.PAUSE_TIMEOUT_NANOS) + " s; the VM goes on running");
        }
    }

    synchronized void resumeAll() {
        paused = false;
        running().forEach(VcpuThread::resume);
    }

    private List<VcpuThread> running() {
        List<VcpuThread> running = new ArrayList<>();
        for (int id = 0; id < threads.length; id++) {
            if (threads[id] != null && !parked[id]) {
                running.add(threads[id]);
            }
        }
        return running;
    }

    @Override
    public int maxVcpus() {
        return fds.length;
    }

    @Override
    public synchronized List<VcpuInfo> list() {
        List<VcpuInfo> all = new ArrayList<>(fds.length);
        for (int id = 0; id < fds.length; id++) {
            all.add(info(id));
        }
        return all;
    }

    @Override
    public synchronized VcpuInfo get(int id) {
        check(id);
        return info(id);
    }

    private VcpuInfo info(int id) {
        long tid = threads[id] == null || parked[id] ? 0 : threads[id].tid();
        return new VcpuInfo(id, 0, id, 0, states[id], tid);
    }

    private void check(int id) {
        if (id < 0 || id >= fds.length) {
            throw new VmException("CPU " + id + " does not exist: possible CPUs are 0.." + (fds.length - 1));
        }
    }

    @Override
    public synchronized void plug(int id) {
        check(id);
        if (closing) {
            throw new VmException("CPU " + id + " cannot be plugged: " + vmName + " is stopping");
        }
        if (states[id] != VcpuInfo.State.ABSENT) {
            throw new VmException("CPU " + id + " is already present");
        }
        if (!started) {
            throw new VmException("CPUs can be plugged only while the VM runs");
        }
        if (threads[id] == null) {
            create(id);
            startPlugged(id);
        } else {
            VcpuFd vcpu = fds[id];
            vcpu.setLapic(resetLapics[id]);
            vcpu.setMpState(KvmAbi.KVM_MP_STATE_UNINITIALIZED);
            parked[id] = false;
            if (!paused) {
                threads[id].resume();
            }
        }
        states[id] = VcpuInfo.State.PENDING_ADD;
    }

    /** On a paused VM the new vCPU waits with the others until the VM resumes. */
    private void startPlugged(int id) {
        try {
            threads[id].start(paused);
        } catch (RuntimeException | Error e) {
            // No thread (or none that will enter KVM_RUN): the id stays absent, and a next plug builds another.
            threads[id].requestStop();
            threads[id] = null;
            states[id] = VcpuInfo.State.ABSENT;
            throw e;
        }
    }

    @Override
    public void park(int id) {
        VcpuThread thread;
        synchronized (this) {
            check(id);
            if (id == 0) {
                throw new VmException("CPU 0 cannot be removed");
            }
            if (threads[id] == null || parked[id]) {
                throw new VmException("CPU " + id + " is not present");
            }
            thread = threads[id];
            thread.requestPause();
            parked[id] = true;
            states[id] = VcpuInfo.State.ABSENT;
        }
        if (!thread.awaitPaused(System.nanoTime() + VcpuThread.PAUSE_TIMEOUT_NANOS)) {
            LOG.warn("{}: parked CPU {} did not leave KVM_RUN within {} s", vmName, id,
                    TimeUnit.NANOSECONDS.toSeconds(VcpuThread.PAUSE_TIMEOUT_NANOS));
        }
    }

    /** Read on the vCPU's own thread between two KVM_RUNs (see {@link VcpuThread#call}). */
    @Override
    public VcpuRegisters registers(int id) {
        VcpuThread thread;
        VcpuFd vcpu;
        synchronized (this) {
            check(id);
            if (closing) {
                throw new VmException("CPU " + id + "'s registers cannot be read: " + vmName + " is stopping");
            }
            if (threads[id] == null || parked[id]) {
                throw new VmException("CPU " + id + " is not present");
            }
            thread = threads[id];
            vcpu = fds[id];
        }
        return thread.call(() -> read(vcpu), System.nanoTime() + VcpuThread.PAUSE_TIMEOUT_NANOS);
    }

    private static VcpuRegisters read(VcpuFd vcpu) {
        KvmRegs regs = vcpu.regs();
        KvmSregs sregs = vcpu.sregs();
        List<Long> general = new ArrayList<>();
        for (int offset : new int[] {KvmAbi.REGS_RAX, KvmAbi.REGS_RBX, KvmAbi.REGS_RCX, KvmAbi.REGS_RDX,
                KvmAbi.REGS_RSI, KvmAbi.REGS_RDI, KvmAbi.REGS_RBP, KvmAbi.REGS_RSP}) {
            general.add(regs.get(offset));
        }
        for (int r = 0; r < 8; r++) {
            general.add(regs.get(KvmAbi.REGS_R8 + 8 * r));
        }
        return new VcpuRegisters(general, regs.rip(), regs.get(KvmAbi.REGS_RFLAGS),
                (int) (sregs.get(KvmAbi.SREGS_CS + KvmAbi.SEG_SELECTOR) & 0xffff), sregs.get(KvmAbi.SREGS_CR0),
                sregs.get(KvmAbi.SREGS_CR2), sregs.get(KvmAbi.SREGS_CR3), sregs.get(KvmAbi.SREGS_CR4),
                sregs.get(KvmAbi.SREGS_EFER), vcpu.mpState() == KvmAbi.KVM_MP_STATE_HALTED);
    }

    @Override
    public synchronized void setState(int id, VcpuInfo.State state) {
        check(id);
        if ((state == VcpuInfo.State.ABSENT) != (threads[id] == null || parked[id])) {
            throw new VmException("CPU " + id + ": state " + state.label() + " does not match its vCPU");
        }
        states[id] = state;
    }

    /**
     * Stops every vCPU thread, waiting (without this lock) at most {@link VcpuThread#STOP_TIMEOUT_MILLIS}
     * in all, and closes the vCPU fds (their kvm_run mappings with them). A thread that does not end
     * in time keeps its fd and mapping, closed when it ends, and this throws
     * {@link StillRunningException}: the caller must not unmap guest RAM under it either.
     */
    @Override
    public void close() {
        List<VcpuThread> all = new ArrayList<>();
        synchronized (this) {
            closing = true;
            for (VcpuThread thread : threads) {
                if (thread != null) {
                    all.add(thread);
                }
            }
        }
        all.forEach(VcpuThread::requestStop);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(VcpuThread.STOP_TIMEOUT_MILLIS);
        List<VcpuThread> running = all.stream().filter(thread -> !thread.awaitStopped(deadline)).toList();
        List<CompletableFuture<Void>> released = new ArrayList<>();
        synchronized (this) {
            for (int id = 0; id < fds.length; id++) {
                VcpuThread thread = threads[id];
                if (fds[id] != null && running.contains(thread)) {
                    released.add(thread.ended().thenRun(fds[id]::close));
                } else if (fds[id] != null) {
                    fds[id].close();
                }
            }
        }
        if (!running.isEmpty()) {
            throw new StillRunningException(vmName + ": vCPU threads " + running.stream().map(VcpuThread::id).toList()
                    + " did not stop within " + VcpuThread.STOP_TIMEOUT_MILLIS / 1000 + " s",
                    CompletableFuture.allOf(released.toArray(CompletableFuture[]::new)));
        }
    }

    /**
     * Some vCPU thread outlived its stop: what it may still touch must stay mapped until
     * {@link #released()} completes (the threads ended and their fds closed).
     */
    static final class StillRunningException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final transient CompletableFuture<Void> released;

        StillRunningException(String message, CompletableFuture<Void> released) {
            super(message);
            this.released = released;
        }

        CompletableFuture<Void> released() {
            return released;
        }
    }
}
