package io.hotvisor.qmp;

import io.hotvisor.cpuhotplug.CpuDeviceDriver;
import io.hotvisor.cpuhotplug.CpuHotplugService;
import io.hotvisor.ged.AcpiGed;
import io.hotvisor.memhotplug.DimmDeviceDriver;
import io.hotvisor.memhotplug.MemHotplugService;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.DeviceManagerImpl;
import io.hotvisor.vmm.manager.FeatureCatalog;
import io.hotvisor.vmm.manager.VmManagerImpl;
import io.hotvisor.vmm.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/** The services a container wires, wired by hand: VM manager, device manager, QMP. */
final class QmpFixture implements AutoCloseable {
    final VmManagerImpl manager;
    final DeviceManagerImpl devices = new DeviceManagerImpl();
    final QmpServices services = new QmpServices("Hotvisor test");
    final QmpService qmp;
    private AcpiGed ged;

    QmpFixture(Path data) {
        this(data, data);
    }

    /** VM data (console logs) under {@code data}; QMP sockets under {@code qmpData}. */
    QmpFixture(Path data, Path qmpData) {
        manager = new VmManagerImpl(data);
        manager.addListener(devices);
        // The features repository's word on one model whose bundle is absent, as Karaf's would say it.
        devices.setCatalog((kind, model) -> kind == FeatureCatalog.Kind.DEVICE_MODEL && model.equals("host-x86_64-cpu")
                ? Optional.of(new FeatureCatalog.Provider("hotvisor-cpu-hotplug", false, List.of())) : Optional.empty());
        services.setDeviceManager(devices);
        qmp = new QmpService(qmpData, services);
        manager.addListener(qmp);
    }

    /** Adds the GED and CPU hotplug capabilities, as installing their features would. */
    QmpFixture withCpuHotplug() {
        CpuHotplugService cpus = new CpuHotplugService(ged(), devices);
        manager.addCapability(cpus);
        devices.addDriver(new CpuDeviceDriver(cpus));
        services.setCpuHotplug(cpus);
        return this;
    }

    /**
     * Adds the GED and memory hotplug capabilities (the {@code pc-dimm} model; a VM needs the
     * {@code hotplug-memory} option), as installing their features would.
     */
    QmpFixture withMemHotplug() {
        MemHotplugService memory = new MemHotplugService(ged(), devices);
        manager.addListener(memory);
        manager.addCapability(memory);
        devices.addDriver(new DimmDeviceDriver(memory));
        return this;
    }

    /** The GED, added once for every capability that raises its events. */
    private AcpiGed ged() {
        if (ged == null) {
            ged = new AcpiGed();
            manager.addCapability(ged);
            services.setGedEvents(ged);
        }
        return ged;
    }

    Vm probe(String name) {
        return probe(name, 1, 1, Map.of());
    }

    Vm probe(String name, int vcpus, int maxVcpus, Map<String, String> options) {
        return manager.create(new VmSpec(name, TestImages.probeGuest().toString(), null, "console=ttyS0", vcpus,
                maxVcpus, 64L << 20, options));
    }

    Path socket(String vm) {
        return qmp.server(vm).orElseThrow().socketPath();
    }

    @Override
    public void close() {
        qmp.close();
        manager.close();
    }
}
