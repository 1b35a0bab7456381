package io.hotvisor.vmm.api;

import java.util.List;

/**
 * A running VM's vCPUs, owned by the core (capabilities only ask): every possible CPU, plugging
 * (creating, or reusing a parked vCPU) and parking. KVM cannot destroy a vCPU, so a parked one
 * keeps its thread and fd and is reused on the next plug.
 */
public interface VcpuControl {
    int maxVcpus();

    /** Every possible CPU, by id (= APIC id). */
    List<VcpuInfo> list();

    VcpuInfo get(int id);

    /**
     * Makes a vCPU exist and run, waiting for INIT/SIPI from the guest (never the boot CPU's
     * state). Returns when its thread is ready. Fails if it is already present.
     */
    void plug(int id);

    /** Stops a vCPU the guest has ejected; its thread parks. Refuses CPU 0. */
    void park(int id);

    /**
     * A present vCPU's registers. A running vCPU leaves KVM_RUN for the read and goes on; one that
     * does not leave it within 10 s fails the call, and says so (a vCPU wedged in the kernel).
     */
    VcpuRegisters registers(int id);

    /** Records what the hotplug controller knows about a CPU (shown by cpu:list and QMP). */
    void setState(int id, VcpuInfo.State state);
}
