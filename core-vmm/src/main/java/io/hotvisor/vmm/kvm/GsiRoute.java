package io.hotvisor.vmm.kvm;

/** One entry of KVM's GSI routing table (struct kvm_irq_routing_entry): where a GSI's interrupt goes. */
public sealed interface GsiRoute {
    int gsi();

    /** To an input pin of the in-kernel PIC or IOAPIC ({@code KvmAbi.KVM_IRQCHIP_*}). */
    record Irqchip(int gsi, int irqchip, int pin) implements GsiRoute {
    }

    /** As a message signalled interrupt: the guest's MSI address and data. */
    record Msi(int gsi, long address, int data) implements GsiRoute {
    }
}
