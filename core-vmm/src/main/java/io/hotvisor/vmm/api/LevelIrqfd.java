package io.hotvisor.vmm.api;

/**
 * A level-triggered irqfd on an irqchip input (a PCI INTx line): a signal of {@link #trigger()}
 * raises the line in the kernel; when the guest acknowledges the interrupt (EOI), KVM lowers it
 * again and signals {@link #resample()}, where a VFIO device takes its unmask. Another source may
 * drive the same line: the irqchip ORs them. Closing it detaches both eventfds and closes them.
 */
public interface LevelIrqfd extends AutoCloseable {
    int gsi();

    EventNotifier trigger();

    EventNotifier resample();

    @Override
    void close();
}
