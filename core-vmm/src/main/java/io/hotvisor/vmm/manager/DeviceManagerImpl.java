package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.DeviceNotFoundException;
import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.PluggedDevice.State;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device registry every frontend goes through: finds the driver, owns each VM's device ids,
 * QOM paths and states, and publishes DEVICE_DELETED when a driver reports the guest released a
 * device. A machine that stops takes its devices with it; a reset keeps those whose driver says
 * so ({@link DeviceDriver#afterReset()}), plugging them again where the driver asks for that. A driver that goes away while its
 * devices are plugged leaves them working but unmanaged ({@link State#DRIVER_GONE}) until it
 * comes back or their VM stops, and the log says so.
 */
@Component(service = {DeviceManager.class, VmListener.class})
public final class DeviceManagerImpl implements DeviceManager, VmListener {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceManagerImpl.class);
    private static final String ANONYMOUS = "/machine/peripheral-anon/device[";

    private final Map<String, DeviceDriver> drivers = new ConcurrentHashMap<>();
    private volatile FeatureCatalog catalog;
    /** VM name → its devices; guarded by {@code this}. */
    private final Map<String, VmDevices> vms = new HashMap<>();

    /**
     * One VM's devices by QOM path in the order they were added, which are boot-time ones, and which
     * are listed (their id taken) but not yet plugged: a reset then must not plug those again.
     */
    private static final class VmDevices {
        final Map<String, PluggedDevice> byPath = new LinkedHashMap<>();
        final Set<String> bootPaths = new HashSet<>();
        final Set<String> plugging = new HashSet<>();
        int anonymous;

        Optional<PluggedDevice> find(String idOrPath) {
            PluggedDevice byId = byPath.get(PluggedDevice.PERIPHERAL + idOrPath);
            return Optional.ofNullable(byId != null ? byId : byPath.get(idOrPath));
        }

        String pathFor(String id) {
            return id != null ? PluggedDevice.PERIPHERAL + id : ANONYMOUS + anonymous++ + "]";
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addDriver(DeviceDriver driver) {
        drivers.put(driver.name(), driver);
        List<String> back = setStates(driver.name(), State.DRIVER_GONE, State.PRESENT);
        if (!back.isEmpty()) {
            LOG.info("driver {} is back: it manages {} again", driver.name(), back);
        }
    }

    public void removeDriver(DeviceDriver driver) {
        if (!drivers.remove(driver.name(), driver)) {
            return;
        }
        List<String> orphans = setStates(driver.name(), null, State.DRIVER_GONE);
        if (!orphans.isEmpty()) {
            LOG.warn("driver {} withdrawn while {} plugged: they keep working until their VM stops or resets,"
                    + " and cannot be removed until the driver is installed again", driver.name(), orphans);
        }
    }

    /** Moves {@code driver}'s devices from {@code from} (any state if null) to {@code to}; returns them as VM/NAME. */
    private synchronized List<String> setStates(String driver, State from, State to) {
        List<String> moved = new ArrayList<>();
        vms.forEach((vm, devices) -> devices.byPath.replaceAll((path, device) -> {
            if (!device.driver().equals(driver) || (from != null && device.state() != from)) {
                return device;
            }
            moved.add(vm + "/" + device.name());
            return device.withState(to);
        }));
        return moved;
    }

    /** Where the models of absent bundles are found, for errors that say what to install. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    public void setCatalog(FeatureCatalog catalog) {
        this.catalog = catalog;
    }

    public void unsetCatalog(FeatureCatalog gone) {
        if (catalog == gone) {
            catalog = null;
        }
    }

    @Override
    public List<DeviceDriver> drivers() {
        List<DeviceDriver> all = new ArrayList<>(drivers.values());
        all.sort(Comparator.comparing(DeviceDriver::name));
        return all;
    }

    @Override
    public Optional<DeviceDriver> driver(String nameOrAlias) {
        DeviceDriver driver = drivers.get(nameOrAlias);
        if (driver != null) {
            return Optional.of(driver);
        }
        return drivers.values().stream().filter(candidate -> candidate.aliases().contains(nameOrAlias)).findFirst();
    }

    private DeviceDriver requireDriver(String name) {
        Optional<DeviceDriver> driver = driver(name);
        if (driver.isPresent()) {
            return driver.get();
        }
        FeatureCatalog known = catalog;
        FeatureCatalog.Provider provider = known == null ? null
                : known.provider(FeatureCatalog.Kind.DEVICE_MODEL, name).orElse(null);
        if (provider != null) {
            throw provider.missing("device model '" + name + "'");
        }
        throw new VmException("'" + name + "' is not a valid device model name");
    }

    /** The error for {@code what} on {@code bus} of a machine without its hotplug controller. */
    private VmException hotplugMissing(String bus, String what) {
        FeatureCatalog known = catalog;
        Optional<FeatureCatalog.Provider> provider = known == null ? Optional.empty()
                : known.provider(FeatureCatalog.Kind.HOTPLUG_BUS, bus);
        return provider.<VmException>map(feature -> feature.missing(what))
                .orElseGet(() -> new VmException("not supported: " + what + ": no " + bus + " hotplug controller runs"));
    }

    @Override
    public PluggedDevice add(Vm vm, String driverName, String id, Map<String, Object> properties) {
        DeviceDriver driver = requireDriver(driverName);
        if (id != null && id.isBlank()) {
            throw new VmException("a device id must not be blank");
        }
        if (!vm.state().isActive()) {
            throw new VmException(vm.name() + " is not running (state " + vm.state().label() + ")");
        }
        if (driver.bus().equals(DeviceDriver.BUS_PCI) && !vm.pci().acceptsPlug()) {
            throw hotplugMissing(driver.bus(), "adding a PCI device to a running guest");
        }
        PluggedDevice device;
        synchronized (this) {
            VmDevices ofVm = vms.computeIfAbsent(vm.name(), name -> new VmDevices());
            if (id != null && ofVm.find(id).isPresent()) {
                throw new VmException("Duplicate device ID '" + id + "'");
            }
            device = new PluggedDevice(id, ofVm.pathFor(id), driver.name(), properties, State.PRESENT);
            ofVm.byPath.put(device.path(), device);
            ofVm.plugging.add(device.path());
        }
        try {
            // Serialised with resets, which plug again only what a machine had before them.
            vm.whileRunning(() -> {
                driver.plug(vm, device);
                plugged(vm, device.path());
            });
        } catch (RuntimeException e) {
            forget(vm, device.path());
            throw e;
        }
        return device;
    }

    /**
     * Plugs the spec's boot-time devices into the machine just built (a start or a reset), and
     * after a reset also the devices added at run time whose driver wants them plugged again. One
     * whose removal was pending is gone with the old machine instead: its guest is rebooting.
     */
    @Override
    public void machineBuilt(Vm vm) {
        List<PluggedDevice> planned = new ArrayList<>();
        List<PluggedDevice> again = new ArrayList<>();
        List<PluggedDevice> released = new ArrayList<>();
        synchronized (this) {
            VmDevices ofVm = vms.computeIfAbsent(vm.name(), name -> new VmDevices());
            ofVm.bootPaths.forEach(ofVm.byPath::remove);
            ofVm.bootPaths.clear();
            for (DeviceSpec spec : vm.spec().bootDevices()) {
                planned.add(new PluggedDevice(spec.id(), ofVm.pathFor(spec.id()), spec.driver(), spec.properties(),
                        State.PRESENT));
            }
            for (PluggedDevice device : ofVm.byPath.values()) {
                DeviceDriver driver = drivers.get(device.driver());
                if (driver != null && driver.afterReset() == DeviceDriver.AfterReset.PLUGGED_AGAIN
                        && !ofVm.plugging.contains(device.path())) {
                    (device.state() == State.REMOVING ? released : again).add(device);
                }
            }
        }
        for (PluggedDevice device : planned) {
            try {
                requireDriver(device.driver()).plug(vm, device);
            } catch (VmException e) {
                throw new VmException("boot device " + device.id() + " (" + device.driver() + "): " + e.getMessage(), e);
            }
            synchronized (this) {
                VmDevices ofVm = vms.computeIfAbsent(vm.name(), name -> new VmDevices());
                ofVm.byPath.put(device.path(), device);
                ofVm.bootPaths.add(device.path());
            }
        }
        for (PluggedDevice device : again) {
            try {
                requireDriver(device.driver()).plug(vm, device);
            } catch (RuntimeException e) {
                LOG.error("VM {}: device {} is lost in the reset: {}", vm.name(), device.name(), e.getMessage());
                released.add(device);
            }
        }
        released.forEach(device -> deleted(vm, device.path()));
    }

    @Override
    public void remove(Vm vm, String idOrPath) {
        PluggedDevice device = find(vm, idOrPath).orElseThrow(() -> new DeviceNotFoundException(idOrPath));
        switch (device.state()) {
            case REMOVING -> throw new VmException("Device '" + idOrPath + "' is already in the process of unplug");
            case DRIVER_GONE -> throw new VmException("not supported: device '" + idOrPath + "' cannot be removed while"
                    + " its driver " + device.driver() + " is not installed (install it again, or stop the VM)");
            case PRESENT -> {
            }
        }
        requireDriver(device.driver()).unplug(vm, device);
        setState(vm, device.path(), State.PRESENT, State.REMOVING);
    }

    private synchronized void setState(Vm vm, String path, State from, State to) {
        VmDevices ofVm = vms.get(vm.name());
        if (ofVm != null) {
            ofVm.byPath.computeIfPresent(path, (key, device) -> device.state() == from ? device.withState(to) : device);
        }
    }

    @Override
    public synchronized List<PluggedDevice> list(Vm vm) {
        VmDevices ofVm = vms.get(vm.name());
        return ofVm == null ? List.of() : List.copyOf(ofVm.byPath.values());
    }

    @Override
    public synchronized Optional<PluggedDevice> find(Vm vm, String idOrPath) {
        VmDevices ofVm = vms.get(vm.name());
        return ofVm == null || idOrPath == null ? Optional.empty() : ofVm.find(idOrPath);
    }

    @Override
    public DeviceDescription describe(Vm vm, PluggedDevice device) {
        DeviceDriver driver = drivers.get(device.driver());
        if (driver == null) {
            return DeviceDescription.NONE;
        }
        try {
            return driver.describe(vm, device);
        } catch (RuntimeException e) {
            // A listing must not fail because one device cannot say where it is (its VM stopping, say).
            LOG.debug("{}: cannot describe {}: {}", vm.name(), device.name(), e.toString());
            return DeviceDescription.NONE;
        }
    }

    @Override
    public void unplugFailed(Vm vm, String idOrPath) {
        find(vm, idOrPath).ifPresent(device -> setState(vm, device.path(), State.REMOVING, State.PRESENT));
    }

    @Override
    public void deleted(Vm vm, String idOrPath) {
        PluggedDevice device = find(vm, idOrPath).map(found -> forget(vm, found.path())).orElse(null);
        if (device != null) {
            vm.publish(new VmEvent.DeviceDeleted(device.id(), device.path()));
        }
    }

    private synchronized void plugged(Vm vm, String path) {
        vms.get(vm.name()).plugging.remove(path);
    }

    private synchronized PluggedDevice forget(Vm vm, String path) {
        VmDevices ofVm = vms.get(vm.name());
        if (ofVm == null) {
            return null;
        }
        ofVm.bootPaths.remove(path);
        ofVm.plugging.remove(path);
        return ofVm.byPath.remove(path);
    }

    @Override
    public synchronized void stateChanged(Vm vm, VmState from, VmState to) {
        if (!to.isActive()) {
            vms.remove(vm.name());
        }
    }

    /** After a reset, a pending removal is forgotten with the machine that was asked. */
    @Override
    public synchronized void event(VmEvent event) {
        VmDevices ofVm = vms.get(event.vm());
        if (!(event.payload() instanceof VmEvent.Reset) || ofVm == null) {
            return;
        }
        ofVm.byPath.values().removeIf(device -> {
            DeviceDriver driver = drivers.get(device.driver());
            return !ofVm.bootPaths.contains(device.path())
                    && (driver == null || driver.afterReset() == DeviceDriver.AfterReset.FORGOTTEN);
        });
        ofVm.byPath.replaceAll((path, device) -> device.withState(State.PRESENT));
    }

    @Override
    public synchronized void destroyed(Vm vm) {
        vms.remove(vm.name());
    }
}
