package io.hotvisor.vmm.api;

/**
 * The running machine's interrupt routing: MSI vectors with GSIs of their own, and direct MSI
 * injection. The routing table keeps the IOAPIC and PIC routes of GSIs 0-23 whatever is added.
 */
public interface Interrupts {
    /** A new vector with a free GSI, not yet routed; fails when every MSI GSI is in use. */
    MsiVector allocateMsi();

    /**
     * Injects one MSI without a route (KVM_SIGNAL_MSI); false when the guest blocked it (for
     * example, its destination's local APIC is disabled).
     */
    boolean signalMsi(long address, int data);

    /** The MSI vectors allocated now, each holding a GSI (KVM has 4096 routes in all). */
    int allocatedMsiVectors();

    /**
     * A level-triggered irqfd on irqchip input {@code gsi} (0-23), for a producer that drives a
     * PCI INTx line from the kernel (a VFIO device); an implementation without KVM refuses.
     */
    default LevelIrqfd levelIrqfd(int gsi) {
        throw new VmException("not supported: level-triggered irqfds need the in-kernel irqchip");
    }
}
