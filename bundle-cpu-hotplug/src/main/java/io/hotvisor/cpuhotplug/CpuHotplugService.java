package io.hotvisor.cpuhotplug;

import com.google.gson.Gson;
import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU hotplug capability: for VMs with max-vcpus &gt; vcpus it contributes the controller AML
 * and a GED event, runs one {@link CpuHotplugController} per running VM, and offers CPU hotplug
 * by number ({@link CpuHotplug}); {@link CpuDeviceDriver} offers it as a device model.
 */
@Component(service = {MachineCapability.class, CpuHotplug.class, CpuHotplugService.class})
public final class CpuHotplugService implements MachineCapability, CpuHotplug {
    /** DESIGN.md §4: the CPU controller's register page follows the GED's. */
    static final long REGISTER_PAGE_OFFSET = 0x1000;
    /** How ACPI _OST reports name this controller's slots (QMP's ACPIOSTInfo slot-type). */
    static final String SLOT_TYPE = "CPU";

    private static final Logger LOG = LoggerFactory.getLogger(CpuHotplugService.class);
    private static final Gson GSON = new Gson();

    private final GedEvents ged;
    private final DeviceManager devices;
    private final Map<String, CpuHotplugController> controllers = new ConcurrentHashMap<>();

    private ServiceRegistration<DeviceDriver> driver;

    @Activate
    public CpuHotplugService(@Reference GedEvents ged, @Reference DeviceManager devices) {
        this.ged = ged;
        this.devices = devices;
    }

    /**
     * The device model is registered by this service, not a DS component of its own: the device
     * manager binds every driver, and this service needs the device manager, so a driver component
     * that referenced this service closed a cycle. DS broke it by leaving the driver without the
     * service when the bundles started in some order (Karaf: "ServiceFactory.getService()
     * resulted in a cycle", then every plug refused).
     */
    @Activate
    void registerDriver(BundleContext context) {
        driver = context.registerService(DeviceDriver.class, new CpuDeviceDriver(this), null);
    }

    @Deactivate
    void unregisterDriver() {
        driver.unregister();
    }

    @Override
    public String name() {
        return CAPABILITY;
    }

    @Override
    public Set<String> specSettings() {
        return Set.of(VmSpec.MAX_VCPUS_SETTING);
    }

    /** The guest learns of CPU events through the GED's interrupt. */
    @Override
    public Set<String> requiredCapabilities() {
        return Set.of(GedEvents.CAPABILITY);
    }

    private static boolean serves(Vm vm) {
        return vm.spec().maxVcpus() > vm.spec().vcpus();
    }

    @Override
    public void contribute(Vm vm, MachineContribution contribution) {
        if (serves(vm)) {
            contribution.dsdt(CpuAml.build(contribution.registerPage(CAPABILITY, REGISTER_PAGE_OFFSET), vm.spec().maxVcpus()));
            contribution.gedEvent(GedEvents.CPU, CpuAml.SCAN_METHOD);
            contribution.ospmSlots(SLOT_TYPE, vm.spec().maxVcpus());
        }
    }

    @Override
    public void attach(Vm vm, MachineAttachment attachment) {
        if (!serves(vm)) {
            return;
        }
        CpuHotplugController.Actions actions = new VmActions(vm);
        CpuHotplugController controller = vm.vault().get(CAPABILITY)
                .map(json -> new CpuHotplugController(GSON.fromJson(json, CpuHotplugState.class), actions))
                .orElseGet(() -> new CpuHotplugController(vm.spec().maxVcpus(), actions));
        controllers.put(vm.name(), controller);
        attachment.handleRegisters(controller);
    }

    @Override
    public void detach(Vm vm, MachineAttachment attachment) {
        CpuHotplugController controller = controllers.remove(vm.name());
        if (controller != null) {
            vm.vault().put(CAPABILITY, GSON.toJson(controller.state()));
        }
    }

    private CpuHotplugController controller(Vm vm) {
        CpuHotplugController controller = controllers.get(vm.name());
        if (controller == null) {
            throw new VmException(vm.name() + " has no CPU hotplug: " + (serves(vm)
                    ? "it is not running" : "create it with max-vcpus greater than vcpus"));
        }
        return controller;
    }

    /** A CPU added by number is a device without id, so the device manager knows it as any other. */
    @Override
    public int add(Vm vm, int id) {
        int cpu = controller(vm).absentCpu(id);
        devices.add(vm, DRIVER, null, Map.of("core-id", cpu));
        return cpu;
    }

    /** A hot-added CPU is removed as the device it is; a boot CPU, which is none, by the controller alone. */
    @Override
    public void remove(Vm vm, int id) {
        Optional<PluggedDevice> device = deviceOf(vm, id);
        if (device.isPresent()) {
            devices.remove(vm, device.get().path());
        } else {
            controller(vm).remove(id);
        }
    }

    /** Plugs a CPU for the device model. */
    void plug(Vm vm, int cpu) {
        controller(vm).add(cpu);
    }

    /** Starts the removal of a CPU for the device model. */
    void unplug(Vm vm, int cpu) {
        controller(vm).remove(cpu);
    }

    /** The device that plugged CPU {@code cpu}; none for a boot CPU. */
    private Optional<PluggedDevice> deviceOf(Vm vm, int cpu) {
        return devices.list(vm).stream()
                .filter(device -> device.driver().equals(DRIVER) && CpuDeviceDriver.coreId(device.properties()) == cpu)
                .findFirst();
    }

    /** The controller's decisions carried out on the VM. */
    private final class VmActions implements CpuHotplugController.Actions {
        private final Vm vm;

        VmActions(Vm vm) {
            this.vm = vm;
        }

        @Override
        public boolean present(int cpu) {
            return vm.cpus().get(cpu).plugged();
        }

        @Override
        public void plug(int cpu) {
            vm.cpus().plug(cpu);
        }

        @Override
        public void removalRequested(int cpu) {
            vm.cpus().setState(cpu, VcpuInfo.State.PENDING_REMOVE);
        }

        @Override
        public void notifyGuest() {
            ged.raise(vm, GedEvents.CPU);
        }

        @Override
        public void ejected(int cpu) {
            vm.cpus().park(cpu);
            LOG.info("VM {}: CPU {} ejected by the guest", vm.name(), cpu);
            Optional<PluggedDevice> device = deviceOf(vm, cpu);
            if (device.isPresent()) {
                devices.deleted(vm, device.get().path());
            } else {
                vm.publish(new VmEvent.DeviceDeleted(null, "/machine/unattached/device[" + cpu + "]"));
            }
        }

        @Override
        public void ost(int cpu, int event, int status) {
            if (CpuHotplugController.insertSucceeded(event, status) && vm.cpus().get(cpu).plugged()) {
                vm.cpus().setState(cpu, VcpuInfo.State.ONLINE);
            }
            vm.publish(new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo(deviceOf(vm, cpu).map(PluggedDevice::id).orElse(null), Integer.toString(cpu), SLOT_TYPE, event, status)));
        }
    }
}
