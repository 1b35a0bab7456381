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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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
    private VmState state = VmState.CREATED;
    /** Volatile: vCPU threads (in capability handlers) read it without taking this VM's lock. */
    private volatile Machine machine;
    private String failure;
    private List<BootMarker> lastMarkers = List.of();
    private boolean closed;
    /** Counts boots, so that a guest request from an earlier boot is not applied to a later one. */
    private int generation;

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
    public synchronized Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public synchronized void start() {
        checkOpen();
        if (state.isActive()) {
            throw new VmException(name() + " is already " + state.label());
        }
        boot(IntStream.range(0, spec.vcpus()).boxed().collect(Collectors.toSet()));
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
        } catch (RuntimeException e) {
            fail("start failed: " + e.getMessage());
            throw e instanceof VmException ? e : new VmException(name() + ": start failed: " + e.getMessage(), e);
        }
        machine = booted;
        failure = null;
        console.connectInput(booted::receiveConsoleInput);
        booted.capabilities().forEach(this::attach);
        try {
            observer.machineBuilt(this);
        } catch (RuntimeException e) {
            fail("start failed: " + e.getMessage());
            throw e instanceof VmException ? e : new VmException(name() + ": start failed: " + e.getMessage(), e);
        }
        booted.start();
        setState(VmState.RUNNING);
    }

    @Override
    public void stop() {
        stop("host-ui");
    }

    @Override
    public synchronized void stop(String reason) {
        checkOpen();
        if (!state.isActive()) {
            throw new VmException(name() + " is not running (state " + state.label() + ")");
        }
        shutDown();
        setState(VmState.STOPPED);
        publish(new VmEvent.Shutdown(false, reason));
    }

    @Override
    public synchronized void pause() {
        checkOpen();
        if (state != VmState.RUNNING) {
            throw new VmException(name() + " is not running (state " + state.label() + ")");
        }
        machine.pause();
        setState(VmState.PAUSED);
        publish(new VmEvent.Stop());
    }

    @Override
    public synchronized void resume() {
        checkOpen();
        if (state != VmState.PAUSED) {
            throw new VmException(name() + " is not paused (state " + state.label() + ")");
        }
        machine.resume();
        setState(VmState.RUNNING);
        publish(new VmEvent.Resume());
    }

    @Override
    public synchronized void reset() {
        checkOpen();
        if (!state.isActive()) {
            throw new VmException(name() + " is not running (state " + state.label() + ")");
        }
        rebuild();
        publish(new VmEvent.Reset(false, "host-qmp-system-reset"));
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

    /** A capability service appeared: it takes over the page its predecessor left on the running machine. */
    public synchronized void capabilityAdded(MachineCapability capability) {
        Machine running = machine;
        if (running != null && running.registerPage(capability.name()).isPresent()
                && !attached.containsKey(capability.name())) {
            attach(capability);
        }
    }

    /** A capability service is going away: it saves its state and the page holds guest accesses. */
    public synchronized void capabilityRemoved(MachineCapability capability) {
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
            throw new VmException(name() + " is not running (state " + state().label() + ")");
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

    /** A reset: the machine is built anew (KVM has no whole-VM reset) with the vCPUs it has now. */
    private void rebuild() {
        Set<Integer> presentCpus = machine.vcpus().list().stream()
                .filter(VcpuInfo::plugged).map(VcpuInfo::id).collect(Collectors.toSet());
        teardown();
        boot(presentCpus); // plugged memory backends stay mapped: the capabilities plug them into the new machine
    }

    /** Closes the machine; on a stop, failure or destroy also lets go of what its devices held. */
    private void teardown() {
        attached.clear();
        if (machine != null) {
            console.connectInput(null);
            lastMarkers = machine.bootMarkers();
            machine.close();
            machine = null;
        }
    }

    private void shutDown() {
        teardown();
        backends.machineStopped();
    }

    private void fail(String why) {
        LOG.error("VM {} failed: {}", name(), why);
        shutDown();
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
    public synchronized void close() {
        if (!closed) {
            shutDown();
            closed = true;
            backends.close();
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
                try {
                    rebuild();
                    publish(new VmEvent.Reset(true, "guest-reset"));
                } catch (RuntimeException e) {
                    LOG.error("VM {}: reboot failed", name(), e);
                }
            });
        }

        @Override
        public void shutdownRequested(String why) {
            LOG.info("VM {}: shutdown ({})", name(), why);
            later("shutdown", () -> {
                shutDown();
                setState(VmState.SHUTDOWN);
                publish(new VmEvent.Shutdown(true, "guest-shutdown"));
            });
        }

        @Override
        public void failed(String why) {
            later("failure", () -> fail(why));
        }
    }
}
