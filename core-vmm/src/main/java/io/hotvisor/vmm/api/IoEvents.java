package io.hotvisor.vmm.api;

/**
 * Guest writes that KVM turns into eventfd signals (ioeventfd) instead of exits to a vCPU thread:
 * a write of any value to the range signals the notifier and the vCPU goes on at once. The
 * length is the write width to match, 1, 2, 4 or 8 bytes, or 0 for writes of any width.
 */
public interface IoEvents {
    Registration mmio(long address, int length, EventNotifier notifier);

    Registration pio(int port, int length, EventNotifier notifier);
}
