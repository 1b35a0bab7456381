package io.hotvisor.qmp.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * QMP {@code quit}: stops the VM, and QMP clients see the core's SHUTDOWN event with QEMU's
 * reason {@code host-qmp-quit} instead of {@code host-ui}. {@link Vm#stop()} publishes that
 * event synchronously on the calling thread, so a thread-local mark tells the events bridge which
 * SHUTDOWN to rewrite: no second event is published. (A {@code Vm.stop(reason)} in the core API
 * would let JMX and Event Admin see the right reason too.)
 */
public final class HostQuit {
    public static final String REASON = "host-qmp-quit";
    private static final ThreadLocal<String> QUITTING = new ThreadLocal<>();

    private HostQuit() {
    }

    static void stop(Vm vm) {
        QUITTING.set(vm.name());
        try {
            vm.stop();
        } finally {
            QUITTING.remove();
        }
    }

    /** The event as QMP clients get it: SHUTDOWN during a quit on this thread carries host-qmp-quit. */
    public static VmEvent rewrite(VmEvent event) {
        if (VmEvent.SHUTDOWN.equals(event.type()) && event.vm().equals(QUITTING.get())) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("guest", false);
            data.put("reason", REASON);
            return new VmEvent(event.vm(), event.type(), event.timestamp(), data);
        }
        return event;
    }
}
