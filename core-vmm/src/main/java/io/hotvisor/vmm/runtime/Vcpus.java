package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.VcpuControl;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.arch.BootMsrs;
import io.hotvisor.vmm.arch.CpuTopology;
import io.hotvisor.vmm.arch.LongModeBoot;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VmFd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Every possible vCPU of one machine: creates them (at boot or on plug), parks ejected ones (KVM
 * cannot destroy a vCPU, so the fd and its parked thread stay for reuse) and resets a reused one
 * to the INIT/SIPI wait state, never to the boot CPU's state.
 */
final class Vcpus implements VcpuControl, AutoCloseable {
    private final String vmName;
    private final VmFd vmFd;
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

    Vcpus(String vmName, int maxVcpus, VmFd vmFd, CpuTopology topology, BootMsrs msrs, IoBus<PioDevice> pio,
          IoBus<MmioDevice> mmio, GuestEvents events) {
        this.vmName = vmName;
        this.vmFd = vmFd;
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

    /** Creates a vCPU with its CPUID, MSRs and LAPIC wiring, waiting for INIT/SIPI, thread not started. */
    synchronized VcpuFd create(int id) {
        VcpuFd vcpu = vmFd.createVcpu(id);
        fds[id] = vcpu;
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

    synchronized void pauseAll() {
        paused = true;
        forEachRunning(VcpuThread::pause);
    }

    synchronized void resumeAll() {
        paused = false;
        forEachRunning(VcpuThread::resume);
    }

    private void forEachRunning(Consumer<VcpuThread> action) {
        for (int id = 0; id < threads.length; id++) {
            if (threads[id] != null && !parked[id]) {
                action.accept(threads[id]);
            }
        }
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
        if (states[id] != VcpuInfo.State.ABSENT) {
            throw new VmException("CPU " + id + " is already present");
        }
        if (!started) {
            throw new VmException("CPUs can be plugged only while the VM runs");
        }
        if (fds[id] == null) {
            create(id);
            // On a paused VM the new vCPU waits with the others until the VM resumes.
            threads[id].start(paused);
        } else {
            VcpuFd vcpu = Objects.requireNonNull(fds[id]);
            vcpu.setLapic(resetLapics[id]);
            vcpu.setMpState(KvmAbi.KVM_MP_STATE_UNINITIALIZED);
            parked[id] = false;
            if (!paused) {
                threads[id].resume();
            }
        }
        states[id] = VcpuInfo.State.PENDING_ADD;
    }

    @Override
    public synchronized void park(int id) {
        check(id);
        if (id == 0) {
            throw new VmException("CPU 0 cannot be removed");
        }
        if (threads[id] == null || parked[id]) {
            throw new VmException("CPU " + id + " is not present");
        }
        threads[id].pause();
        parked[id] = true;
        states[id] = VcpuInfo.State.ABSENT;
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
     * Stops every vCPU thread and closes the vCPU fds (their kvm_run mappings with them). A thread
     * that does not end within its bound keeps its fd and mapping, and this throws
     * {@link StillRunningException}: the caller must not unmap guest RAM under it either.
     */
    @Override
    public synchronized void close() {
        List<Integer> running = new ArrayList<>();
        for (int id = 0; id < threads.length; id++) {
            if (threads[id] != null && !threads[id].stop()) {
                running.add(id);
            }
        }
        for (int id = 0; id < fds.length; id++) {
            if (fds[id] != null && !running.contains(id)) {
                fds[id].close();
            }
        }
        if (!running.isEmpty()) {
            throw new StillRunningException(vmName + ": vCPU threads " + running + " did not stop within "
                    + VcpuThread.STOP_TIMEOUT_MILLIS + " ms; their fds and the guest's memory stay mapped");
        }
    }

    /** Some vCPU thread outlived its stop: what it may still touch must stay mapped. */
    static final class StillRunningException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        StillRunningException(String message) {
            super(message);
        }
    }
}
