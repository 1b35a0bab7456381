package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.AmlContributor;
import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.boot.BzImage;
import io.hotvisor.vmm.kvm.Kvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A defined VM and its lifecycle. Each start builds a fresh {@link Machine}; stop closes it.
 * Requests from the guest (reset, poweroff, failure) arrive on vCPU threads and are carried out
 * on a short-lived thread of their own, since they tear down the vCPU that reported them.
 */
public final class VirtualMachine implements Vm, AutoCloseable {
    /** Told about every state change and event (the manager forwards them to listeners). */
    public interface Observer {
        void stateChanged(VirtualMachine vm, VmState from, VmState to);

        void event(VmEvent event);
    }

    private static final Logger LOG = LoggerFactory.getLogger(VirtualMachine.class);

    private final VmSpec spec;
    private final Supplier<Kvm> kvm;
    private final Supplier<List<AmlContributor>> amlContributors;
    private final SerialConsole console;
    private final Observer observer;
    private VmState state = VmState.CREATED;
    private Machine machine;
    private String failure;
    private List<BootMarker> lastMarkers = List.of();
    private boolean closed;
    /** Counts boots, so that a guest request from an earlier boot is not applied to a later one. */
    private int generation;

    /** Checks the kernel image now, so a bad one fails the definition, not the first start. */
    public VirtualMachine(VmSpec spec, Supplier<Kvm> kvm, Supplier<List<AmlContributor>> amlContributors,
                          Path dataDirectory, Observer observer) {
        this.spec = spec.validate();
        BzImage.parse(Path.of(spec.kernel()));
        if (spec.initrd() != null && !Path.of(spec.initrd()).toFile().isFile()) {
            throw new VmException(spec.name() + ": initrd " + spec.initrd() + ": no such file");
        }
        this.kvm = kvm;
        this.amlContributors = amlContributors;
        this.observer = observer;
        this.console = new SerialConsole(dataDirectory.resolve("console.log"));
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public synchronized VmState state() {
        return state;
    }

    @Override
    public synchronized Duration uptime() {
        return machine == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - machine.startNanos());
    }

    @Override
    public synchronized Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public synchronized void start() {
        checkOpen();
        if (state.isActive()) {
            throw new VmException(name() + " is already " + state.label());
        }
        boot();
    }

    private void boot() {
        Machine booted;
        try {
            booted = new Machine(kvm.get(), this, BzImage.parse(Path.of(spec.kernel())), amlContributors.get(), console,
                    new Events(++generation));
        } catch (RuntimeException e) {
            fail("start failed: " + e.getMessage());
            throw e instanceof VmException ? e : new VmException(name() + ": start failed: " + e.getMessage(), e);
        }
        machine = booted;
        failure = null;
        console.connectInput(booted::receiveConsoleInput);
        booted.start();
        setState(VmState.RUNNING);
    }

    @Override
    public synchronized void stop() {
        checkOpen();
        if (!state.isActive()) {
            throw new VmException(name() + " is not running (state " + state.label() + ")");
        }
        teardown();
        setState(VmState.STOPPED);
        publish(VmEvent.SHUTDOWN, Map.of("guest", false, "reason", "host-ui"));
    }

    @Override
    public synchronized void pause() {
        checkOpen();
        if (state != VmState.RUNNING) {
            throw new VmException(name() + " is not running (state " + state.label() + ")");
        }
        machine.pause();
        setState(VmState.PAUSED);
        publish(VmEvent.STOP, Map.of());
    }

    @Override
    public synchronized void resume() {
        checkOpen();
        if (state != VmState.PAUSED) {
            throw new VmException(name() + " is not paused (state " + state.label() + ")");
        }
        machine.resume();
        setState(VmState.RUNNING);
        publish(VmEvent.RESUME, Map.of());
    }

    @Override
    public synchronized void reset() {
        checkOpen();
        if (!state.isActive()) {
            throw new VmException(name() + " is not running (state " + state.label() + ")");
        }
        teardown();
        boot();
        publish(VmEvent.RESET, Map.of("guest", false, "reason", "host-qmp-system-reset"));
    }

    @Override
    public VmConsole console() {
        return console;
    }

    @Override
    public synchronized List<BootMarker> bootMarkers() {
        return machine == null ? lastMarkers : machine.bootMarkers();
    }

    @Override
    public synchronized List<AcpiTable> acpiTables() {
        return machine == null ? List.of() : machine.acpiTables();
    }

    public Path consoleLog() {
        return console.logFile();
    }

    private void teardown() {
        if (machine != null) {
            console.connectInput(null);
            lastMarkers = machine.bootMarkers();
            machine.close();
            machine = null;
        }
    }

    private void fail(String why) {
        LOG.error("VM {} failed: {}", name(), why);
        teardown();
        failure = why;
        setState(VmState.FAILED);
    }

    private void setState(VmState next) {
        VmState previous = state;
        state = next;
        if (previous != next) {
            LOG.info("VM {}: {} -> {}", name(), previous.label(), next.label());
            observer.stateChanged(this, previous, next);
        }
    }

    @Override
    public void publish(String type, Map<String, Object> data) {
        observer.event(VmEvent.of(name(), type, data));
    }

    private void checkOpen() {
        if (closed) {
            throw new VmException(name() + " has been destroyed");
        }
    }

    /** Stops the VM if it runs and releases everything, the console log included. */
    @Override
    public synchronized void close() {
        if (!closed) {
            teardown();
            closed = true;
            console.close();
        }
    }

    /** Guest requests, carried out off the vCPU thread; ignored if the machine changed meanwhile. */
    private final class Events implements GuestEvents {
        private final int boot;

        Events(int boot) {
            this.boot = boot;
        }

        private void later(String what, Runnable action) {
            Thread worker = new Thread(() -> {
                synchronized (VirtualMachine.this) {
                    if (!closed && generation == boot && state.isActive()) {
                        action.run();
                    }
                }
            }, "vm-" + name() + "-" + what);
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public void resetRequested(String why) {
            LOG.info("VM {}: reset ({})", name(), why);
            later("reset", () -> {
                teardown();
                try {
                    boot();
                    publish(VmEvent.RESET, Map.of("guest", true, "reason", "guest-reset"));
                } catch (RuntimeException e) {
                    LOG.error("VM {}: reboot failed", name(), e);
                }
            });
        }

        @Override
        public void shutdownRequested(String why) {
            LOG.info("VM {}: shutdown ({})", name(), why);
            later("shutdown", () -> {
                teardown();
                setState(VmState.SHUTDOWN);
                publish(VmEvent.SHUTDOWN, Map.of("guest", true, "reason", "guest-shutdown"));
            });
        }

        @Override
        public void failed(String why) {
            later("failure", () -> fail(why));
        }
    }
}
