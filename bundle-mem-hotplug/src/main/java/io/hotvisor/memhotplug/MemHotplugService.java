package io.hotvisor.memhotplug;

import com.google.gson.Gson;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.api.memory.VmMemory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory hotplug capability: for VMs with a {@code hotplug-memory} option it reserves the
 * hotplug region, contributes the controller AML and a GED event, and runs one
 * {@link MemHotplugController} per running VM; {@link DimmDeviceDriver} offers it as the
 * {@code pc-dimm} device model. A VM's DIMMs outlive its resets (the controller of the previous
 * machine is kept until the VM stops) and this bundle's updates (the vault).
 */
@Component(service = {MachineCapability.class, VmListener.class, MemHotplugService.class})
public final class MemHotplugService implements MachineCapability, VmListener {
    public static final String CAPABILITY = "mem-hotplug";
    public static final String DRIVER = "pc-dimm";
    /** DESIGN.md §4: the memory controller's register page. */
    static final long REGISTER_PAGE_OFFSET = 0x2000;

    private static final Logger LOG = LoggerFactory.getLogger(MemHotplugService.class);
    private static final Gson GSON = new Gson();

    private final GedEvents ged;
    private final DeviceManager devices;
    private final Map<String, MemHotplugController> controllers = new ConcurrentHashMap<>();

    private ServiceRegistration<DeviceDriver> driver;

    @Activate
    public MemHotplugService(@Reference GedEvents ged, @Reference DeviceManager devices) {
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
        driver = context.registerService(DeviceDriver.class, new DimmDeviceDriver(this), null);
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
        return Set.of(MemHotplugSettings.HOTPLUG_MEMORY, MemHotplugSettings.MEMORY_SLOTS);
    }

    /** The guest learns of DIMM events through the GED's interrupt. */
    /** How ACPI _OST reports name this controller's slots (QMP's ACPIOSTInfo slot-type). */
    static final String SLOT_TYPE = "DIMM";

    @Override
    public Set<String> requiredCapabilities() {
        return Set.of(GedEvents.CAPABILITY);
    }

    @Override
    public void contribute(Vm vm, MachineContribution contribution) {
        MemHotplugSettings.of(vm.spec()).ifPresent(settings -> {
            contribution.hotplugMemory(settings.regionSize());
            contribution.dsdt(MemAml.build(contribution.registerPage(CAPABILITY, REGISTER_PAGE_OFFSET),
                    settings.slots()));
            contribution.gedEvent(GedEvents.MEMORY, MemAml.SCAN_METHOD);
            contribution.ospmSlots(SLOT_TYPE, settings.slots());
        });
    }

    /**
     * After an update of this bundle the vault has the controller as it was; after a reset the
     * previous machine's controller is still here, and its DIMMs go into the new machine.
     */
    @Override
    public void attach(Vm vm, MachineAttachment attachment) {
        Optional<MemHotplugSettings> settings = MemHotplugSettings.of(vm.spec());
        if (settings.isEmpty()) {
            return;
        }
        MemHotplugController.Actions actions = new VmActions(vm);
        MemHotplugController previous = controllers.get(vm.name());
        MemHotplugController controller = vm.vault().get(CAPABILITY)
                .map(json -> new MemHotplugController(GSON.fromJson(json, MemHotplugState.class), actions))
                .orElseGet(() -> afterReset(vm, new MemHotplugController(settings.get().slots(), actions), previous));
        controllers.put(vm.name(), controller);
        attachment.handleRegisters(controller);
    }

    /**
     * Maps the DIMMs of the previous machine again, at the same addresses (their backends kept
     * their memory), and enables their slots without an event: the guest finds them as it boots.
     * Only DIMMs the device manager still lists come back, so a controller left over from a VM
     * that stopped unseen is forgotten here; a plug still in progress fails on its own.
     */
    private MemHotplugController afterReset(Vm vm, MemHotplugController controller, MemHotplugController previous) {
        if (previous == null) {
            return controller;
        }
        Set<String> listed = devices.list(vm).stream().filter(device -> device.driver().equals(DRIVER))
                .map(PluggedDevice::name).collect(Collectors.toSet());
        for (Dimm dimm : previous.enabledDimms()) {
            if (!listed.contains(dimm.device())) {
                continue;
            }
            try {
                MemoryBackend backend = vm.memoryBackends().find(dimm.backend())
                        .orElseThrow(() -> new VmException("its backend " + dimm.backend() + " is gone"));
                vm.memory().plug(GuestAddress.of(dimm.base()), backend);
                controller.present(dimm);
            } catch (RuntimeException e) {
                LOG.error("VM {}: DIMM {} is lost in the reset: {}", vm.name(), dimm.device(), e.getMessage());
            }
        }
        return controller;
    }

    @Override
    public void detach(Vm vm, MachineAttachment attachment) {
        MemHotplugController controller = controllers.remove(vm.name());
        if (controller != null) {
            vm.vault().put(CAPABILITY, GSON.toJson(controller.state()));
        }
    }

    /** A stopped VM boots with the spec's memory only: its DIMMs are forgotten. */
    @Override
    public void stateChanged(Vm vm, VmState from, VmState to) {
        if (!to.isActive()) {
            controllers.remove(vm.name());
        }
    }

    @Override
    public void destroyed(Vm vm) {
        controllers.remove(vm.name());
    }

    private MemHotplugController controller(Vm vm) {
        MemHotplugController controller = controllers.get(vm.name());
        if (controller == null) {
            throw new VmException(MemHotplugSettings.of(vm.spec()).isPresent()
                    ? vm.name() + " is not running"
                    : vm.name() + " has no memory hotplug region: create it with --hotplug-memory SIZE"
                    + " (hotplug-memory in its .cfg)");
        }
        return controller;
    }

    /** The VM's DIMMs by slot, with their states. */
    public List<DimmStatus> list(Vm vm) {
        return controller(vm).list();
    }

    Optional<Dimm> dimm(Vm vm, String device) {
        return controller(vm).find(device);
    }

    /**
     * Plugs a DIMM for the device model: places it, maps its backend and, on a running VM, tells
     * the guest; a boot device (the VM not running yet) is simply there when the guest boots.
     */
    void plug(Vm vm, PluggedDevice device, DimmRequest request) {
        MemHotplugController controller = controller(vm);
        if (controller.find(device.name()).isPresent()) {
            return; // a boot device the reset has put back already
        }
        GuestRegion region = vm.memory().hotplugRegion().orElseThrow(() -> new VmException(
                vm.name() + " has no memory hotplug region"));
        DimmAllocator allocator = new DimmAllocator(region.base().value(), region.size(), controller.slots());
        MemoryBackends backends = vm.memoryBackends();
        MemoryBackend claimed = request.memdev() == null ? null : backends.claim(request.memdev(), device.name());
        Dimm dimm;
        try {
            long size = claimed == null ? request.size() : claimed.size();
            dimm = controller.reserve(plugged -> {
                int slot = allocator.slot(plugged, request.slot());
                long base = allocator.address(plugged, size, request.addr());
                return claimed != null ? new Dimm(slot, device.name(), claimed.id(), base, size, false)
                        : new Dimm(slot, device.name(), device.id() != null ? device.id() : DRIVER + slot, base, size,
                        true);
            });
        } catch (RuntimeException e) {
            if (claimed != null) {
                backends.release(claimed.id());
            }
            throw e;
        }
        MemoryBackend backend = claimed;
        boolean created = false;
        try {
            if (backend == null) {
                backends.create(MemoryBackends.RAM, dimm.backend(), Map.of("size", dimm.size()));
                created = true;
                backend = backends.claim(dimm.backend(), device.name());
            }
            vm.memory().plug(GuestAddress.of(dimm.base()), backend);
        } catch (RuntimeException e) {
            controller.cancel(dimm);
            if (backend != null) {
                backends.release(backend.id());
            }
            if (created) {
                backends.delete(dimm.backend());
            }
            throw e;
        }
        if (vm.state().isActive()) {
            controller.insert(dimm);
        } else {
            controller.present(dimm);
        }
        LOG.info("VM {}: DIMM {} plugged in slot {} at 0x{} ({} bytes)", vm.name(), dimm.device(), dimm.slot(),
                Long.toHexString(dimm.base()), dimm.size());
    }

    /** Asks the guest to eject a DIMM, for the device model. */
    void unplug(Vm vm, String device) {
        controller(vm).remove(device);
    }

    /** The controller's decisions carried out on the VM. */
    private final class VmActions implements MemHotplugController.Actions {
        private final Vm vm;

        VmActions(Vm vm) {
            this.vm = vm;
        }

        @Override
        public void notifyGuest() {
            ged.raise(vm, GedEvents.MEMORY);
        }

        @Override
        public void ejected(Dimm dimm) {
            VmMemory memory = vm.memory();
            memory.regions().stream().filter(region -> region.base().value() == dimm.base()).findFirst()
                    .ifPresent(memory::unplug);
            MemoryBackends backends = vm.memoryBackends();
            backends.release(dimm.backend());
            if (dimm.ownBackend()) {
                backends.delete(dimm.backend());
            }
            LOG.info("VM {}: DIMM {} ejected by the guest", vm.name(), dimm.device());
            devices.deleted(vm, dimm.device());
        }

        @Override
        public void ost(int slot, Dimm dimm, int event, int status) {
            String id = dimm == null ? null : devices.find(vm, dimm.device()).map(PluggedDevice::id).orElse(null);
            vm.publish(new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo(id, Integer.toString(slot), SLOT_TYPE, event, status)));
        }

        @Override
        public void removalRefused(Dimm dimm) {
            LOG.warn("VM {}: the guest refused to release DIMM {}; it stays plugged", vm.name(), dimm.device());
            devices.unplugFailed(vm, dimm.device());
        }
    }
}
