package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.AmlContributor;
import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmManager;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.runtime.VirtualMachine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM registry. Opens /dev/kvm on first use (so the container starts without it), keeps VM
 * data under {@code ${karaf.data}/hotvisor/NAME/} and tells {@link VmListener}s what happens.
 * Configured by {@code etc/io.hotvisor.vmm.cfg} ({@link VmManagerSettings}).
 */
@Component(service = VmManager.class, configurationPid = VmManagerSettings.PID)
public final class VmManagerImpl implements VmManager, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VmManagerImpl.class);
    /** How long a create or destroy waits for another one of the same name (a destroy stops the VM). */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Path dataRoot;
    private final HostLimits host;
    private volatile VmManagerSettings settings = VmManagerSettings.DEFAULTS;
    private final Map<String, VirtualMachine> vms = new LinkedHashMap<>();
    /**
     * Names whose create or destroy is still telling listeners; guarded by {@code this}. Another
     * create or destroy of such a name waits, so listeners (QMP sockets, MBeans, all keyed by
     * name) hear of one name's VMs in order: never a create before the previous destroy.
     */
    private final Set<String> changing = new HashSet<>();
    private final List<VmListener> listeners = new CopyOnWriteArrayList<>();
    private final List<AmlContributor> amlContributors = new CopyOnWriteArrayList<>();
    private final List<MachineCapability> capabilities = new CopyOnWriteArrayList<>();
    private volatile FeatureCatalog catalog;
    private Kvm kvm;

    public VmManagerImpl() {
        this(defaultDataRoot());
    }

    public VmManagerImpl(Path dataRoot) {
        this(dataRoot, HostLimits.local());
    }

    VmManagerImpl(Path dataRoot, HostLimits host) {
        this.dataRoot = dataRoot;
        this.host = host;
    }

    private static Path defaultDataRoot() {
        String karafData = System.getProperty("karaf.data");
        return Path.of(karafData != null ? karafData : System.getProperty("java.io.tmpdir"), "hotvisor");
    }

    @Activate
    void activate(Map<String, Object> properties) {
        configure(properties);
        LOG.info("Hotvisor VM manager started; VM data in {}", dataRoot);
    }

    /**
     * Takes a changed configuration in place (without this, DS would restart the component and
     * destroy every VM). Console log limits apply to VMs defined afterwards. Public for wiring by
     * hand (tests), as the reference methods are.
     */
    @Modified
    public void configure(Map<String, ?> properties) {
        try {
            settings = VmManagerSettings.of(properties);
        } catch (VmException e) {
            LOG.error("configuration {}: {}; keeping {}", VmManagerSettings.PID, e.getMessage(), settings);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addListener(VmListener listener) {
        List<VirtualMachine> existing;
        synchronized (this) {
            // Not while a VM is being created or destroyed: the new listener would hear of it
            // twice, or of a VM already gone (audit row 12). Those names stay held while it hears.
            if (!awaitUnchanged(Set::isEmpty)) {
                LOG.warn("VMs {} are still being created or destroyed; a listener may hear of them twice", changing);
            }
            listeners.add(listener);
            existing = List.copyOf(vms.values());
            existing.forEach(vm -> changing.add(vm.name()));
        }
        try {
            existing.forEach(listener::created);
        } finally {
            existing.forEach(vm -> settled(vm.name()));
        }
    }

    public void removeListener(VmListener listener) {
        listeners.remove(listener);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addAmlContributor(AmlContributor contributor) {
        amlContributors.add(contributor);
    }

    public void removeAmlContributor(AmlContributor contributor) {
        amlContributors.remove(contributor);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addCapability(MachineCapability capability) {
        capabilities.add(capability);
        running().forEach(vm -> vm.capabilityAdded(capability));
        LOG.info("capability {} available", capability.name());
    }

    public void removeCapability(MachineCapability capability) {
        capabilities.remove(capability);
        running().forEach(vm -> vm.capabilityRemoved(capability));
        LOG.info("capability {} withdrawn", capability.name());
    }

    /** Where the settings of absent capabilities are declared, for errors that say what to install. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    public void setCatalog(FeatureCatalog catalog) {
        this.catalog = catalog;
    }

    public void unsetCatalog(FeatureCatalog gone) {
        if (catalog == gone) {
            catalog = null;
        }
    }

    private synchronized List<VirtualMachine> running() {
        return List.copyOf(vms.values());
    }

    private synchronized Kvm kvm() {
        if (kvm == null) {
            if (!Kvm.available()) {
                throw new VmException(Kvm.DEVICE + " is missing or not accessible: this host cannot run VMs");
            }
            kvm = Kvm.open();
        }
        return kvm;
    }

    @Override
    public Vm create(VmSpec spec) {
        spec.validate();
        VmManagerSettings configured = settings;
        host.check(spec, configured.maxMemory());
        checkCapabilities(spec, List.copyOf(capabilities));
        VirtualMachine vm;
        synchronized (this) {
            awaitSettled(spec.name());
            if (vms.containsKey(spec.name())) {
                throw new VmException("a VM named '" + spec.name() + "' already exists");
            }
            Path directory = VmDirectories.create(dataRoot.resolve(spec.name()));
            try {
                vm = new VirtualMachine(spec, this::kvm, () -> List.copyOf(capabilities),
                        () -> List.copyOf(amlContributors), directory, configured.consoleLog(), observer);
            } catch (RuntimeException e) {
                VmDirectories.remove(directory, configured.keepConsoleLog());
                throw e;
            }
            vms.put(spec.name(), vm);
            changing.add(spec.name());
        }
        try {
            LOG.info("VM {} defined: {}", spec.name(), spec);
            listeners.forEach(l -> l.created(vm));
        } finally {
            settled(spec.name());
        }
        return vm;
    }

    private void awaitSettled(String name) {
        if (!awaitUnchanged(names -> !names.contains(name))) {
            throw new VmException("VM '" + name + "' is still being created or destroyed: try again");
        }
    }

    /**
     * Waits, holding the lock, until the names being created or destroyed satisfy {@code settled};
     * false after {@link #SETTLE_NANOS} or an interrupt.
     */
    private boolean awaitUnchanged(Predicate<Set<String>> settled) {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        while (!settled.test(changing)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private synchronized void settled(String name) {
        changing.remove(name);
        notifyAll();
    }

    /**
     * Refuses a spec that uses a setting no running capability serves, when a feature declares
     * it (settings no feature declares belong to frontends, which read them themselves), or whose
     * capability lacks one it requires.
     */
    private void checkCapabilities(VmSpec spec, List<MachineCapability> running) {
        for (Map.Entry<String, String> setting : spec.capabilitySettings().entrySet()) {
            MachineCapability server = running.stream()
                    .filter(capability -> capability.specSettings().stream()
                            .anyMatch(declared -> VmSpec.settingMatches(declared, setting.getKey())))
                    .findFirst().orElse(null);
            if (server == null) {
                Optional<FeatureCatalog.Provider> provider = provider(FeatureCatalog.Kind.SPEC_SETTING, setting.getKey());
                if (provider.isPresent()) {
                    throw provider.get().missing(setting.getValue());
                }
                continue;
            }
            String what = "capability " + server.name();
            for (String required : server.requiredCapabilities()) {
                if (running.stream().noneMatch(capability -> capability.name().equals(required))) {
                    throw provider(FeatureCatalog.Kind.CAPABILITY, required).map(provider -> provider.missing(what))
                            .orElseGet(() -> new CapabilityMissingException(
                                    what + " needs capability " + required + ", which is not running", required));
                }
            }
        }
    }

    private Optional<FeatureCatalog.Provider> provider(FeatureCatalog.Kind kind, String name) {
        FeatureCatalog known = catalog;
        return known == null ? Optional.empty() : known.provider(kind, name);
    }

    private final VirtualMachine.Observer observer = new VirtualMachine.Observer() {
        @Override
        public void stateChanged(VirtualMachine vm, VmState from, VmState to) {
            listeners.forEach(l -> l.stateChanged(vm, from, to));
        }

        @Override
        public void event(VmEvent event) {
            listeners.forEach(l -> l.event(event));
        }

        @Override
        public void machineBuilt(VirtualMachine vm) {
            listeners.forEach(l -> l.machineBuilt(vm));
        }
    };

    @Override
    public synchronized Optional<Vm> find(String name) {
        return Optional.ofNullable(vms.get(name));
    }

    @Override
    public Vm get(String name) {
        return find(name).orElseThrow(() -> new VmException("no VM named '" + name + "'"));
    }

    @Override
    public synchronized List<Vm> list() {
        List<Vm> all = new ArrayList<>(vms.values());
        all.sort(Comparator.comparing(Vm::name));
        return all;
    }

    @Override
    public void destroy(String name) {
        VirtualMachine vm;
        synchronized (this) {
            awaitSettled(name);
            vm = vms.get(name);
            if (vm == null) {
                throw new VmException("no VM named '" + name + "'");
            }
            changing.add(name);
        }
        // The name is freed only once listeners have let go of it (audit row 12).
        try {
            try {
                vm.close();
            } finally {
                LOG.info("VM {} destroyed", name);
                listeners.forEach(l -> l.destroyed(vm));
            }
            // After the listeners (they close the sockets they keep in it), before the name is free.
            VmDirectories.remove(vm.dataDirectory(), settings.keepConsoleLog());
        } finally {
            synchronized (this) {
                vms.remove(name);
            }
            settled(name);
        }
    }

    @Deactivate
    @Override
    public void close() {
        for (Vm vm : list()) {
            try {
                destroy(vm.name());
            } catch (RuntimeException e) {
                LOG.warn("destroying VM {}: {}", vm.name(), e.getMessage());
            }
        }
        synchronized (this) {
            if (kvm != null) {
                kvm.close();
                kvm = null;
            }
        }
    }
}
