package io.hotvisor.vmm.api;

/** Whiteboard service: told when VMs come and go and change state. Called synchronously; be quick. */
public interface VmListener {
    default void created(Vm vm) {
    }

    default void destroyed(Vm vm) {
    }

    default void stateChanged(Vm vm, VmState from, VmState to) {
    }

    default void event(VmEvent event) {
    }

    /**
     * The machine of a start or reset is built and no vCPU has run yet: the moment to plug
     * boot-time devices, so the guest finds them as it enumerates. Throwing fails the start.
     */
    default void machineBuilt(Vm vm) {
    }
}
