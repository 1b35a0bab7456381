package io.hotvisor.cpuhotplug;

import io.hotvisor.ged.AcpiGed;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.DeviceManagerImpl;
import io.hotvisor.vmm.manager.VmManagerImpl;
import io.hotvisor.vmm.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The services a container would wire, wired by hand: a VM manager with the GED and CPU hotplug
 * capabilities and the device manager, recording every VM event. Public (this module's test-jar)
 * so that linux-tests' Linux guests run on the same wiring.
 */
public final class HotplugMachine implements AutoCloseable {
    public final VmManagerImpl manager;
    public final DeviceManagerImpl devices = new DeviceManagerImpl();
    public final AcpiGed ged = new AcpiGed();
    public final CpuHotplugService cpuHotplug = new CpuHotplugService(ged, devices);
    /** Every VM event so far, oldest first. */
    public final List<VmEvent> events = new CopyOnWriteArrayList<>();

    public HotplugMachine(Path data) {
        manager = new VmManagerImpl(data);
        manager.addListener(devices);
        manager.addListener(new VmListener() {
            @Override
            public void event(VmEvent event) {
                events.add(event);
            }
        });
        manager.addCapability(ged);
        manager.addCapability(cpuHotplug);
        devices.addDriver(new CpuDeviceDriver(cpuHotplug));
    }

    public Vm probe(String name, int vcpus, int maxVcpus) {
        return manager.create(new VmSpec(name, TestImages.probeGuest().toString(), null, "console=ttyS0", vcpus,
                maxVcpus, 64L << 20, Map.of()));
    }

    @Override
    public void close() {
        manager.close();
    }
}
