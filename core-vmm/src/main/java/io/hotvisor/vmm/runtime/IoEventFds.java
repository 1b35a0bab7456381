package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.IoEvents;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.kvm.EventFd;
import io.hotvisor.vmm.kvm.VmFd;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The machine's ioeventfds. Their eventfds stay their callers'; KVM drops the ioeventfds still
 * assigned when the VM fd closes.
 */
final class IoEventFds implements IoEvents {
    private final VmFd vm;

    IoEventFds(VmFd vm) {
        this.vm = vm;
    }

    @Override
    public Registration mmio(long address, int length, EventNotifier notifier) {
        return assign(address, length, false, notifier);
    }

    @Override
    public Registration pio(int port, int length, EventNotifier notifier) {
        return assign(port, length, true, notifier);
    }

    private Registration assign(long address, int length, boolean pio, EventNotifier notifier) {
        if (!(notifier instanceof EventFd eventFd)) {
            throw new IllegalArgumentException(notifier + " is not an eventfd of the core");
        }
        vm.assignIoeventfd(address, length, pio, eventFd);
        AtomicBoolean assigned = new AtomicBoolean(true);
        return () -> {
            if (assigned.getAndSet(false)) {
                vm.deassignIoeventfd(address, length, pio, eventFd);
            }
        };
    }
}
