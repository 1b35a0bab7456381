package io.hotvisor.vmm.api;

/**
 * Service of the CPU hotplug capability, for the frontends that manage CPUs by number
 * ({@code cpu:*} commands, QMP {@code cpu-add}, HMP {@code cpu_set}). QMP {@code device_add} of
 * {@code host-x86_64-cpu} reaches the same controller through its {@link DeviceDriver}.
 */
public interface CpuHotplug {
    String CAPABILITY = "cpu-hotplug";
    String DRIVER = "host-x86_64-cpu";
    /** The id {@link #add} takes for "the lowest absent CPU" ({@code cpu:add} without {@code --id}). */
    int LOWEST_ABSENT = -1;

    /**
     * Plugs CPU {@code id} (the lowest absent one for {@link #LOWEST_ABSENT}) and tells the guest;
     * returns its id. Refuses other negative ids, ids beyond max-vcpus, a present CPU, and a VM
     * without CPU hotplug.
     */
    int add(Vm vm, int id);

    /** Asks the guest to eject CPU {@code id}; the vCPU parks when the guest has ejected it. */
    void remove(Vm vm, int id);
}
