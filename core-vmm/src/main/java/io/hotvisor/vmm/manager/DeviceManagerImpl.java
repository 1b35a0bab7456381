package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.DeviceNotFoundException;
import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.PluggedDevice;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The device registry every frontend goes through: finds the driver, keeps each VM's device ids
 * and publishes DEVICE_DELETED when a driver reports the guest released a device. A machine
 * that stops takes its hot-plugged devices with it; a reset keeps those whose driver says they
 * survive it ({@link DeviceDriver#devicesSurviveReset()}).
 */
@Component(service = {DeviceManager.class, VmListener.class})
public final class DeviceManagerImpl implements DeviceManager, VmListener {
    private final Map<String, DeviceDriver> drivers = new ConcurrentHashMap<>();
    private volatile FeatureCatalog catalog;
    /** VM name → its devices by id, in the order they were added. */
    private final Map<String, Map<String, PluggedDevice>> devices = new HashMap<>();
    /** VM name → the ids of its boot-time devices, which every start and reset plugs again. */
    private final Map<String, Set<String>> bootDevices = new HashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addDriver(DeviceDriver driver) {
        drivers.put(driver.name(), driver);
    }

    public void removeDriver(DeviceDriver driver) {
        drivers.remove(driver.name(), driver);
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

    private DeviceDriver driver(String name) {
        DeviceDriver driver = drivers.get(name);
        if (driver != null) {
            return driver;
        }
        FeatureCatalog known = catalog;
        FeatureCatalog.Provider provider = known == null ? null
                : known.provider(FeatureCatalog.Kind.DEVICE_MODEL, name).orElse(null);
        if (provider != null) {
            throw provider.missing("device model '" + name + "'");
        }
        throw new VmException("'" + name + "' is not a valid device model name");
    }

    @Override
    public PluggedDevice add(Vm vm, String driverName, String id, Map<String, Object> properties) {
        DeviceDriver driver = driver(driverName);
        if (id == null || id.isBlank()) {
            throw new VmException("device_add of " + driverName + " needs an id");
        }
        if (!vm.state().isActive()) {
            throw new VmException(vm.name() + " is not running (state " + vm.state().label() + ")");
        }
        PluggedDevice device = new PluggedDevice(id, driverName, properties, false);
        synchronized (this) {
            Map<String, PluggedDevice> ofVm = devices.computeIfAbsent(vm.name(), name -> new LinkedHashMap<>());
            if (ofVm.containsKey(id)) {
                throw new VmException("Duplicate device ID '" + id + "'");
            }
            ofVm.put(id, device);
        }
        try {
            driver.plug(vm, id, properties);
        } catch (RuntimeException e) {
            forget(vm, id);
            throw e;
        }
        return device;
    }

    /** Plugs the spec's boot-time devices into the machine just built (a start or a reset). */
    @Override
    public void machineBuilt(Vm vm) {
        List<DeviceSpec> boot = vm.spec().bootDevices();
        synchronized (this) {
            Map<String, PluggedDevice> ofVm = devices.computeIfAbsent(vm.name(), name -> new LinkedHashMap<>());
            boot.forEach(device -> ofVm.remove(device.id()));
            bootDevices.put(vm.name(), new HashSet<>());
        }
        for (DeviceSpec device : boot) {
            try {
                driver(device.driver()).plug(vm, device.id(), device.properties());
            } catch (VmException e) {
                throw new VmException("boot device " + device.id() + " (" + device.driver() + "): " + e.getMessage(), e);
            }
            synchronized (this) {
                devices.computeIfAbsent(vm.name(), name -> new LinkedHashMap<>())
                        .put(device.id(), new PluggedDevice(device.id(), device.driver(), device.properties(), false));
                bootDevices.get(vm.name()).add(device.id());
            }
        }
    }

    @Override
    public void remove(Vm vm, String id) {
        PluggedDevice device;
        synchronized (this) {
            device = devices.getOrDefault(vm.name(), Map.of()).get(id);
            if (device == null) {
                throw new DeviceNotFoundException(id);
            }
        }
        driver(device.driver()).unplug(vm, id);
        synchronized (this) {
            Map<String, PluggedDevice> ofVm = devices.get(vm.name());
            if (ofVm != null) {
                ofVm.computeIfPresent(id, (key, plugged) -> new PluggedDevice(key, plugged.driver(), plugged.properties(), true));
            }
        }
    }

    @Override
    public synchronized List<PluggedDevice> list(Vm vm) {
        return List.copyOf(devices.getOrDefault(vm.name(), Map.of()).values());
    }

    @Override
    public void deleted(Vm vm, String id) {
        PluggedDevice device = forget(vm, id);
        if (device != null) {
            vm.publish(VmEvent.DEVICE_DELETED, Map.of("device", id, "path", device.path()));
        }
    }

    private synchronized PluggedDevice forget(Vm vm, String id) {
        Map<String, PluggedDevice> ofVm = devices.get(vm.name());
        return ofVm == null ? null : ofVm.remove(id);
    }

    @Override
    public synchronized void stateChanged(Vm vm, VmState from, VmState to) {
        if (!to.isActive()) {
            devices.remove(vm.name());
            bootDevices.remove(vm.name());
        }
    }

    /** After a reset, a pending removal is forgotten with the machine that was asked. */
    @Override
    public synchronized void event(VmEvent event) {
        Map<String, PluggedDevice> ofVm = devices.get(event.vm());
        if (!VmEvent.RESET.equals(event.type()) || ofVm == null) {
            return;
        }
        Set<String> boot = bootDevices.getOrDefault(event.vm(), Set.of());
        ofVm.values().removeIf(device -> {
            DeviceDriver driver = drivers.get(device.driver());
            return !boot.contains(device.id()) && (driver == null || !driver.devicesSurviveReset());
        });
        ofVm.replaceAll((id, device) -> new PluggedDevice(id, device.driver(), device.properties(), false));
    }

    @Override
    public synchronized void destroyed(Vm vm) {
        devices.remove(vm.name());
        bootDevices.remove(vm.name());
    }
}
