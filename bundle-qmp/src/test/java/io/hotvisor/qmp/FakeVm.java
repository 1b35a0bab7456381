package io.hotvisor.qmp;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.memory.Backends;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.pci.PciBus;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A VM without KVM (a dynamic proxy, so that the Vm interface may grow): state, events and a PCI
 * bus a test sets. Its state changes are atomic, as VirtualMachine's.
 */
public final class FakeVm {
    public volatile VmState state = VmState.RUNNING;
    /** Yield at random on state reads, for tests that look for races between a check and an act. */
    public volatile boolean jitter;
    /** What {@code pci()} answers; null: the machine has no bus, as when it is not running. */
    public volatile PciBus pci;
    public final List<VmEvent> events = new CopyOnWriteArrayList<>();
    public final VmSpec spec;
    public final Backends backends = new Backends();
    public final Vm vm;
    private final Consumer<VmEvent> listener;

    public FakeVm(String name, int vcpus, int maxVcpus, Consumer<VmEvent> listener) {
        this.spec = new VmSpec(name, "/boot/none", null, "", vcpus, maxVcpus, 64L << 20, Map.of());
        this.listener = listener;
        this.vm = (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class},
                (proxy, method, args) -> invoke(proxy, method.getName(), args));
    }

    private Object invoke(Object proxy, String method, Object[] args) {
        String name = spec.name();
        switch (method) {
            case "name":
                return name;
            case "spec":
                return spec;
            case "state":
                if (jitter && ThreadLocalRandom.current().nextBoolean()) {
                    Thread.yield();
                }
                return state;
            case "pause":
                return transition(() -> {
                    require(VmState.RUNNING);
                    state = VmState.PAUSED;
                    publish(new VmEvent.Stop());
                });
            case "resume":
                return transition(() -> {
                    require(VmState.PAUSED);
                    state = VmState.RUNNING;
                    publish(new VmEvent.Resume());
                });
            case "start":
                return transition(() -> {
                    if (state.isActive()) {
                        throw new VmException(name + " is already " + state.label());
                    }
                    state = VmState.RUNNING;
                });
            case "stop":
                return transition(() -> {
                    if (!state.isActive()) {
                        throw new VmException(name + " is not running (state " + state.label() + ")");
                    }
                    state = VmState.STOPPED;
                    publish(new VmEvent.Shutdown(false, "host-ui"));
                });
            case "reset":
                publish(new VmEvent.Reset(false, "host-qmp-system-reset"));
                return null;
            case "whileRunning":
                return transition(() -> {
                    if (!state.isActive()) {
                        throw new VmException(name + " is not running (state " + state.label() + ")");
                    }
                    ((Runnable) args[0]).run();
                });
            case "memoryBackends":
                return backends;
            case "cpus":
                throw new VmException(name + " has no vCPUs in this test");
            case "pci":
                if (pci == null) {
                    throw new VmException(name + " is not running (state " + state.label() + ")");
                }
                return pci;
            case "publish":
                publish((VmEvent.Payload) args[0]);
                return null;
            case "toString":
                return "FakeVm[" + name + "]";
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            default:
                throw new UnsupportedOperationException(method);
        }
    }

    /** A state change, atomic as VirtualMachine's (whose lifecycle methods hold a lock). */
    private synchronized Object transition(Runnable change) {
        change.run();
        return null;
    }

    private void require(VmState expected) {
        if (state != expected) {
            throw new VmException(spec.name() + " is not " + expected.label() + " (state " + state.label() + ")");
        }
    }

    private void publish(VmEvent.Payload payload) {
        VmEvent event = VmEvent.now(spec.name(), payload);
        events.add(event);
        listener.accept(event);
    }
}
