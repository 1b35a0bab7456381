package io.hotvisor.vmm.api;

/** A capability's hold on one running machine. */
public interface MachineAttachment {
    /** Routes guest accesses to the capability's register page to {@code handler}. */
    void handleRegisters(MmioDevice handler);

    GuestAddress registerPage();
}
