package io.hotvisor.qmp;

import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.GedEvents;
import java.util.Optional;

/**
 * The core services QMP commands use, each optional: a capability bundle may be absent, or go
 * away and come back while clients stay connected. Commands look a service up on every call
 * and answer "not supported: ..." naming the capability when it is missing.
 */
public final class QmpServices {
    /** The QEMU version QMP reports: the release whose protocol Hotvisor speaks (7.2). */
    public static final int QEMU_MAJOR = 7;
    public static final int QEMU_MINOR = 2;
    public static final int QEMU_MICRO = 0;

    private final String packageName;
    private volatile DeviceManager deviceManager;
    private volatile CpuHotplug cpuHotplug;
    private volatile GedEvents gedEvents;

    public QmpServices(String packageName) {
        this.packageName = packageName;
    }

    /** The {@code package} string of the greeting and query-version, e.g. "Hotvisor 0.1.0". */
    public String packageName() {
        return packageName;
    }

    public Optional<DeviceManager> deviceManager() {
        return Optional.ofNullable(deviceManager);
    }

    public DeviceManager requireDeviceManager() {
        DeviceManager devices = deviceManager;
        if (devices == null) {
            throw QmpError.generic("not supported: device hotplug (the core's device manager is not running)");
        }
        return devices;
    }

    public Optional<CpuHotplug> cpuHotplug() {
        return Optional.ofNullable(cpuHotplug);
    }

    public Optional<GedEvents> gedEvents() {
        return Optional.ofNullable(gedEvents);
    }

    public void setDeviceManager(DeviceManager deviceManager) {
        this.deviceManager = deviceManager;
    }

    public void setCpuHotplug(CpuHotplug cpuHotplug) {
        this.cpuHotplug = cpuHotplug;
    }

    public void setGedEvents(GedEvents gedEvents) {
        this.gedEvents = gedEvents;
    }

    /** Forgets {@code current} if it is the service held now (dynamic OSGi unbind). */
    synchronized void unset(Object current) {
        if (deviceManager == current) {
            deviceManager = null;
        }
        if (cpuHotplug == current) {
            cpuHotplug = null;
        }
        if (gedEvents == current) {
            gedEvents = null;
        }
    }
}
