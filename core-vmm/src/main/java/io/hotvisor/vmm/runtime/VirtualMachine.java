package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.AmlContributor;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.api.memory.VmMemory;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.IoEvents;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.StateVault;
import io.hotvisor.vmm.api.VcpuControl;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.virtio.VirtioBus;
import io.hotvisor.vmm.boot.KernelImage;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.memory.Backends;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A defined VM and its lifecycle. Each start builds a fresh {@link Machine}; stop closes it.
 * Requests from the guest (reset, poweroff, failure) arrive on vCPU threads and are carried out
 * by {@link GuestRequests}, since they tear down the vCPU that reported them.
 * <p>Lifecycle steps (start, stop, pause, reset, capability changes) hold the lifecycle lock, and
 * they wait for vCPU threads: no vCPU thread may take it, and it refuses them. What a vCPU
 * thread may ask (the state, the vCPUs, the vault) takes no lock of this VM at all.
 */
public final class VirtualMachine implements Vm, AutoCloseable {
    /** Told about every state change and event (the manager forwards them to listeners). */
    public interface Observer {
        void stateChanged(VirtualMachine vm, VmState from, VmState to);

        void event(VmEvent event);

        /** See {@link io.hotvisor.vmm.api.VmListener#machineBuilt}. */
        void machineBuilt(VirtualMachine vm);
    }

    /** The console log in the VM's data directory; rotated ones add {@code .1}, {@code .2}, ... */
    public static final String CONSOLE_LOG = "console.log";
    private static final Logger LOG = LoggerFactory.getLogger(VirtualMachine.class);

    private final VmSpec spec;
    private final Supplier<Kvm> kvm;
    private final Supplier<List<AmlContributor>> amlContributors;
    private final Supplier<List<MachineCapability>> capabilities;
    /** Capability name → the instance attached to the running machine. */
    private final Map<String, MachineCapability> attached = new HashMap<>();
    private volatile StateVault vault = new MapStateVault();
    /** Slot type/slot → the last _OST report (per boot). */
    /** The VM's memory backends: they outlive its machines, as QEMU's objects do. */
    private final Backends backends = new Backends();
    private final Map<String, VmEvent.OstInfo> ospmStatus = new ConcurrentSkipListMap<>();
    private final SerialConsole console;
    private final Path dataDirectory;
    private final Observer observer;
    private final Object lifecycle = new Object();
    private final GuestRequests guestRequests;
    /** Volatile, as the fields below: written under the lifecycle lock, read without a lock. */
    private volatile VmState state = VmState.CREATED;
    private volatile Machine machine;
    private volatile String failure;
    private volatile List<BootMarker> lastMarkers = List.of();
    private volatile boolean closed;
    /** Counts boots, so that a guest request from an earlier boot is not applied to a later one. */
    private int generation;
    /** Completes when the last machine is released: late if a vCPU thread outlived its stop. */
    private CompletableFuture<Void> released = CompletableFuture.completedFuture(null);

    /** Checks the kernel image now, so a bad one fails the definition, not the first start. */
    public VirtualMachine(VmSpec spec, Supplier<Kvm> kvm, Supplier<List<MachineCapability>> capabilities,
                          Supplier<List<AmlContributor>> amlContributors, Path dataDirectory, ConsoleLogLimits consoleLog,
                          Observer observer) {
        this.spec = spec.validate();
        KernelImage.open(Path.of(spec.kernel()));
        if (spec.initrd() != null && !Path.of(spec.initrd()).toFile().isFile()) {
            throw new VmException(spec.name() + ": initrd " + spec.initrd() + ": no such file");
        }
        this.kvm = kvm;
        this.amlContributors = amlContributors;
        this.capabilities = capabilities;
        this.observer = observer;
        this.dataDirectory = dataDirectory;
        this.console = new SerialConsole(dataDirectory.resolve(CONSOLE_LOG), consoleLog);
        this.guestRequests = new GuestRequests(spec.name(), this::carryOut, task -> {
            Thread worker = new Thread(task, "vm-" + spec.name() + "-requests");
            worker.setDaemon(true);
            return worker;
        });
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
    public VmState state() {
        return state;
    }

    @Override
    public Duration uptime() {
        Machine running = machine;
        return running == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - running.startNanos());
    }

    @Override
    public int currentVcpus() {
        Machine running = machine;
        return running == null ? spec.vcpus()
                : (int) running.vcpus().list().stream().filter(VcpuInfo::plugged).count();
    }

    @Override
    public long currentMemory() {
        Machine running = machine;
        return running == null ? spec.memory() : running.memory().size();
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void start() {
        synchronized (lifecycle()) {
            checkOpen();
            if (state.isActive()) {
                throw new VmException(name() + " is already " + state.label());
            }
            if (!released.isDone()) {
                throw new VmException(name() + " cannot start: a vCPU thread of its last run has not ended (" + failure + ")");
            }
            boot(IntStream.range(0, spec.vcpus()).boxed().collect(Collectors.toSet()));
        }
    }

    /**
     * The lifecycle lock. A vCPU thread may not take it: a lifecycle step waits for vCPU threads,
     * which would then wait for themselves or for the thread that holds it.
     */
    private Object lifecycle() {
        if (VcpuThread.onVcpuThread()) {
            throw new IllegalStateException(name() + ": a vCPU thread cannot start, stop, pause or reset its VM;"
                    + " guest requests go through GuestEvents");
        }
        return lifecycle;
    }

    /**
     * Builds and starts a machine whose vCPUs {@code presentCpus} exist at boot: the spec's on a
     * start, on a reset also those hot-added before it (a reset keeps the hardware, as QEMU's).
     */
    private void boot(Set<Integer> presentCpus) {
        Machine booted;
        try {
            vault = new MapStateVault();
            ospmStatus.clear();
            booted = new Machine(kvm.get(), this, KernelImage.open(Path.of(spec.kernel())), presentCpus,
                    capabilities.get(), amlContributors.get(), console, new Events(++generation));
        } catch (RuntimeException | Error e) {
            throw startFailed(e);
        }
        machine = booted;
        failure = null;
        try {
            console.connectInput(booted::receiveConsoleInput);
            booted.capabilities().forEach(this::attach);
            observer.machineBuilt(this);
            booted.start();
        } catch (RuntimeException | Error e) {
            throw startFailed(e); // closes the machine: no fd, mapping or started vCPU thread stays
        }
        setState(VmState.RUNNING);
    }

    /** The VM fails with what went wrong and lets go of the machine; Errors are rethrown as they are. */
    private RuntimeException startFailed(Throwable e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        fail("start failed: " + why);
        if (e instanceof Error error) {
            throw error;
        }
        return e instanceof VmException vmException ? vmException : new VmException(name() + ": start failed: " + why, e);
    }

    @Override
    public void stop() {
        stop("host-ui");
    }

    @Override
    public void stop(String reason) {
        synchronized (lifecycle()) {
            checkOpen();
            if (!state.isActive()) {
                throw new VmException(name() + " is not running (state " + state.label() + ")");
            }
            if (!shutDown()) {
                throw new VmException(name() + " failed while stopping: " + failure);
            }
            setState(VmState.STOPPED);
            publish(new VmEvent.Shutdown(false, reason));
        }
    }

    /** A pause that some vCPU did not make in time fails, and the VM goes on running (see {@link Vcpus#pauseAll()}). */
    @Override
    public void pause() {
        synchronized (lifecycle()) {
            checkOpen();
            if (state != VmState.RUNNING) {
                throw new VmException(name() + " is not running (state " + state.label() + ")");
            }
            machine.pause();
            setState(VmState.PAUSED);
            publish(new VmEvent.Stop());
        }
    }

    @Override
    public void resume() {
        synchronized (lifecycle()) {
            checkOpen();
            if (state != VmState.PAUSED) {
                throw new VmException(name() + " is not paused (state " + state.label() + ")");
            }
            machine.resume();
            setState(VmState.RUNNING);
            publish(new VmEvent.Resume());
        }
    }

    @Override
    public void whileRunning(Runnable change) {
        synchronized (lifecycle()) {
            checkOpen();
            if (!state.isActive()) {
                throw new VmException(name() + " is not running (state " + state.label() + ")");
            }
            change.run();
        }
    }

    @Override
    public void reset() {
        synchronized (lifecycle()) {
            checkOpen();
            if (!state.isActive()) {
                throw new VmException(name() + " is not running (state " + state.label() + ")");
            }
            if (!rebuild()) {
                throw new VmException(name() + " failed while resetting: " + failure);
            }
            publish(new VmEvent.Reset(false, "host-qmp-system-reset"));
        }
    }

    @Override
    public VmConsole console() {
        return console;
    }

    @Override
    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public List<BootMarker> bootMarkers() {
        Machine running = machine;
        return running == null ? lastMarkers : running.bootMarkers();
    }

    @Override
    public List<AcpiTable> acpiTables() {
        Machine running = machine;
        return running == null ? List.of() : running.acpiTables();
    }

    public Path consoleLog() {
        return console.logFile();
    }

    /** A capability service appeared: it takes over the page its predecessor left on the running machine. */
    public void capabilityAdded(MachineCapability capability) {
        synchronized (lifecycle()) {
            Machine running = machine;
            if (running != null && running.registerPage(capability.name()).isPresent()
                    && !attached.containsKey(capability.name())) {
                attach(capability);
            }
        }
    }

    /** A capability service is going away: it saves its state and the page holds guest accesses. */
    public void capabilityRemoved(MachineCapability capability) {
        synchronized (lifecycle()) {
            Machine running = machine;
            if (running != null && attached.get(capability.name()) == capability) {
                attached.remove(capability.name());
                running.registerPage(capability.name()).ifPresent(RegisterPage::hold);
                try {
                    capability.detach(this, attachment(running, capability.name()));
                } catch (RuntimeException e) {
                    LOG.warn("VM {}: capability {} failed to detach: {}", name(), capability.name(), e.toString());
                }
            }
        }
    }

    private void attach(MachineCapability capability) {
        try {
            capability.attach(this, attachment(machine, capability.name()));
            attached.put(capability.name(), capability);
        } catch (RuntimeException e) {
            LOG.warn("VM {}: capability {} failed to attach: {}", name(), capability.name(), e.toString());
        }
    }

    private MachineAttachment attachment(Machine running, String capability) {
        return new MachineAttachment() {
            @Override
            public void handleRegisters(MmioDevice handler) {
                running.registerPage(capability).orElseThrow(() -> new VmException(
                        "capability " + capability + " did not ask for a register page")).attach(handler);
            }

            @Override
            public GuestAddress registerPage() {
                return running.registerPageAddress(capability);
            }
        };
    }

    @Override
    public VcpuControl cpus() {
        return running().vcpus();
    }

    @Override
    public PciBus pci() {
        return running().pci();
    }

    @Override
    public VirtioBus virtio() {
        return running().virtio(message -> publish(new VmEvent.DeviceError(message)));
    }

    @Override
    public VmMemory memory() {
        return running().memory();
    }

    @Override
    public MemoryBackends memoryBackends() {
        return backends;
    }

    @Override
    public Interrupts interrupts() {
        return running().interrupts();
    }

    @Override
    public IoLoop ioLoop() {
        return running().ioLoop();
    }

    @Override
    public IoEvents ioEvents() {
        return running().ioEvents();
    }

    private Machine running() {
        Machine running = machine;
        if (running == null) {
            VmState now = state();
            throw new VmException(name() + (now.isActive() ? " is being reset, stopped or failed (it has no machine now); try again"
                    : " is not running (state " + now.label() + ")"));
        }
        return running;
    }

    @Override
    public StateVault vault() {
        return vault;
    }

    @Override
    public InterruptLine interruptLine(int gsi) {
        return InterruptLine.of(gsi, asserted -> {
            Machine running = machine;
            if (running != null) {
                running.interruptLine(gsi).set(asserted);
            }
        });
    }

    /**
     * A reset: the machine is built anew (KVM has no whole-VM reset) with the vCPUs it has now.
     * False when the old machine did not stop (the VM failed).
     */
    private boolean rebuild() {
        Set<Integer> presentCpus = machine.vcpus().list().stream()
                .filter(VcpuInfo::plugged).map(VcpuInfo::id).collect(Collectors.toSet());
        if (!teardown()) {
            return false;
        }
        boot(presentCpus); // plugged memory backends stay mapped: the capabilities plug them into the new machine
        return true;
    }

    /**
     * Closes the machine. False if a vCPU thread outlived its bounded stop: the VM has then failed,
     * and the machine and the memory backends it used are released when that thread ends.
     */
    private boolean teardown() {
        attached.clear();
        Machine closing = machine;
        if (closing == null) {
            return true;
        }
        console.connectInput(null);
        lastMarkers = closing.bootMarkers();
        try {
            closing.close();
            return true;
        } catch (Vcpus.StillRunningException e) {
            released = e.released().whenComplete((ignored, error) -> backends.machineStopped());
            markFailed(e.getMessage());
            return false;
        } finally {
            machine = null;
        }
    }

    /** Closes the machine; on a stop, failure or destroy also lets go of what its devices held. */
    private boolean shutDown() {
        if (!teardown()) {
            return false;
        }
        backends.machineStopped();
        return true;
    }

    private void fail(String why) {
        markFailed(shutDown() ? why : why + "; " + failure);
    }

    private void markFailed(String why) {
        LOG.error("VM {} failed: {}", name(), why);
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
    public List<VmEvent.OstInfo> acpiOspmStatus() {
        Machine running = machine;
        if (running == null) {
            return List.of();
        }
        // Every declared slot, as QEMU lists them: the guest's last report, or none yet (0/0).
        List<VmEvent.OstInfo> status = new ArrayList<>();
        running.ospmSlots().forEach((type, count) -> {
            for (int slot = 0; slot < count; slot++) {
                status.add(ospmStatus.getOrDefault(type + "/" + slot, new VmEvent.OstInfo(null, Integer.toString(slot), type, 0, 0)));
            }
        });
        return status;
    }

    @Override
    public void publish(VmEvent.Payload event) {
        if (event instanceof VmEvent.AcpiDeviceOst ost) {
            ospmStatus.put(ost.info().slotType() + "/" + ost.info().slot(), ost.info());
        }
        observer.event(VmEvent.now(name(), event));
    }

    private void checkOpen() {
        if (closed) {
            throw new VmException(name() + " has been destroyed");
        }
    }

    /** Stops the VM if it runs and releases everything, the console log included. */
    @Override
    public void close() {
        synchronized (lifecycle()) {
            if (!closed) {
                shutDown();
                closed = true;
                released.whenComplete((ignored, error) -> backends.close());
                console.close();
            }
        }
    }

    /** A guest request, on the requests' worker; ignored if the machine changed meanwhile. */
    private void carryOut(GuestRequests.Request request) {
        synchronized (lifecycle()) {
            if (closed || generation != request.boot() || !state.isActive()) {
                return;
            }
            switch (request.kind()) {
                case RESET -> {
                    if (rebuild()) {
                        publish(new VmEvent.Reset(true, "guest-reset"));
                    }
                }
                case SHUTDOWN -> {
                    if (shutDown()) {
                        setState(VmState.SHUTDOWN);
                        publish(new VmEvent.Shutdown(true, "guest-shutdown"));
                    }
                }
                case FAILURE -> fail(request.why());
            }
        }
    }

    /** What one boot's machine reports, handed to the requests' worker (a loop of them costs one request). */
    private final class Events implements GuestEvents {
        private final int boot;

        Events(int boot) {
            this.boot = boot;
        }

        private void submit(GuestRequests.Kind kind, String why) {
            if (guestRequests.submit(new GuestRequests.Request(kind, why, boot))) {
                LOG.info("VM {}: guest {} request ({})", name(), kind.name().toLowerCase(Locale.ROOT), why);
            }
        }

        @Override
        public void resetRequested(String why) {
            submit(GuestRequests.Kind.RESET, why);
        }

        @Override
        public void shutdownRequested(String why) {
            submit(GuestRequests.Kind.SHUTDOWN, why);
        }

        @Override
        public void failed(String why) {
            submit(GuestRequests.Kind.FAILURE, why);
        }
    }
}
