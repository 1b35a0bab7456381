package io.hotvisor.cpuhotplug;

import com.google.gson.Gson;
import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU hotplug capability: for VMs with max-vcpus &gt; vcpus it contributes the controller AML
 * and a GED event, runs one {@link CpuHotplugController} per running VM, and offers CPU hotplug
 * both by number ({@link CpuHotplug}) and as the {@code host-x86_64-cpu} device model.
 */
@Component(service = {MachineCapability.class, CpuHotplug.class, DeviceDriver.class})
public final class CpuHotplugService implements MachineCapability, CpuHotplug, DeviceDriver {
    private static final Logger LOG = LoggerFactory.getLogger(CpuHotplugService.class);
    private static final Gson GSON = new Gson();

    private final GedEvents ged;
    private final DeviceManager devices;
    private final Map<String, CpuHotplugController> controllers = new ConcurrentHashMap<>();

    @Activate
    public CpuHotplugService(@Reference GedEvents ged, @Reference DeviceManager devices) {
        this.ged = ged;
        this.devices = devices;
    }

    @Override
    public String name() {
        return CAPABILITY;
    }

    private static boolean serves(Vm vm) {
        return vm.spec().maxVcpus() > vm.spec().vcpus();
    }

    @Override
    public void contribute(Vm vm, MachineContribution contribution) {
        if (serves(vm)) {
            contribution.dsdt(CpuAml.build(contribution.registerPage(CAPABILITY), vm.spec().maxVcpus()));
            contribution.gedEvent(GedEvents.CPU, CpuAml.SCAN_METHOD);
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

    @Override
    public int add(Vm vm, int id) {
        return controller(vm).add(id, null);
    }

    @Override
    public void remove(Vm vm, int id) {
        controller(vm).remove(id);
        vm.cpus().setState(id, VcpuInfo.State.PENDING_REMOVE);
    }

    // The host-x86_64-cpu device model

    @Override
    public String description() {
        return "a vCPU (socket-id, core-id, thread-id as query-hotpluggable-cpus lists them)";
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("socket-id", "socket (always 0)");
        properties.put("core-id", "core = APIC id of the CPU to plug");
        properties.put("thread-id", "thread (always 0)");
        properties.put("node-id", "NUMA node (always 0)");
        return properties;
    }

    @Override
    public void plug(Vm vm, String id, Map<String, Object> properties) {
        for (String key : properties.keySet()) {
            if (!properties().containsKey(key)) {
                throw new VmException("Property '" + DRIVER + "." + key + "' not found");
            }
        }
        int core = number(properties, "core-id", -1);
        if (core < 0) {
            throw new VmException(DRIVER + ": core-id is required");
        }
        for (String zero : new String[] {"socket-id", "thread-id", "node-id"}) {
            if (number(properties, zero, 0) != 0) {
                throw new VmException(DRIVER + ": " + zero + " must be 0 (one socket, one thread per core)");
            }
        }
        controller(vm).add(core, id);
    }

    /** A property as clients send it: a JSON number or a numeric string (Kata sends strings). */
    private static int number(Map<String, Object> properties, String key, int fallback) {
        Object value = properties.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return value instanceof Number n ? n.intValue() : (int) Double.parseDouble(value.toString());
        } catch (NumberFormatException e) {
            throw new VmException("Parameter '" + key + "' expects a number, not '" + value + "'");
        }
    }

    @Override
    public void unplug(Vm vm, String id) {
        CpuHotplugController controller = controller(vm);
        remove(vm, controller.cpuOfDevice(id).orElseThrow(() -> new VmException("device " + id + " is not a CPU")));
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
        public void notifyGuest() {
            ged.raise(vm, GedEvents.CPU);
        }

        @Override
        public void ejected(int cpu, String deviceId) {
            vm.cpus().park(cpu);
            LOG.info("VM {}: CPU {} ejected by the guest", vm.name(), cpu);
            if (deviceId != null) {
                devices.deleted(vm, deviceId);
            } else {
                vm.publish(VmEvent.DEVICE_DELETED, Map.of("path", "/machine/unattached/device[" + cpu + "]"));
            }
        }

        @Override
        public void ost(int cpu, String deviceId, int event, int status) {
            if (CpuHotplugController.insertSucceeded(event, status) && vm.cpus().get(cpu).plugged()) {
                vm.cpus().setState(cpu, VcpuInfo.State.ONLINE);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            if (deviceId != null) {
                info.put("device", deviceId);
            }
            info.put("source", event);
            info.put("status", status);
            info.put("slot", Integer.toString(cpu));
            info.put("slot-type", "CPU");
            vm.publish(VmEvent.ACPI_DEVICE_OST, Map.of("info", info));
        }
    }
}
