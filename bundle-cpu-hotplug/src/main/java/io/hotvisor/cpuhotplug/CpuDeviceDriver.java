package io.hotvisor.cpuhotplug;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code host-x86_64-cpu} device model: QMP {@code device_add}/{@code device_del} of vCPUs.
 * {@link CpuHotplugService} registers it while it is active (why: there).
 */
public final class CpuDeviceDriver implements DeviceDriver {
    private static final Map<String, String> PROPERTIES = new LinkedHashMap<>();

    static {
        PROPERTIES.put("socket-id", "socket (always 0)");
        PROPERTIES.put("core-id", "core = APIC id of the CPU to plug");
        PROPERTIES.put("thread-id", "thread (always 0)");
        PROPERTIES.put("node-id", "NUMA node (always 0)");
    }

    private final CpuHotplugService hotplug;

    public CpuDeviceDriver(CpuHotplugService hotplug) {
        this.hotplug = hotplug;
    }

    @Override
    public String name() {
        return CpuHotplug.DRIVER;
    }

    @Override
    public String bus() {
        return BUS_CPU;
    }

    @Override
    public String description() {
        return "a vCPU (socket-id, core-id, thread-id as query-hotpluggable-cpus lists them)";
    }

    @Override
    public Map<String, String> properties() {
        return Map.copyOf(PROPERTIES);
    }

    @Override
    public void plug(Vm vm, PluggedDevice device) {
        Map<String, Object> properties = device.properties();
        for (String key : properties.keySet()) {
            if (!PROPERTIES.containsKey(key)) {
                throw new VmException("Property '" + CpuHotplug.DRIVER + "." + key + "' not found");
            }
        }
        int core = coreId(properties);
        for (String zero : new String[] {"socket-id", "thread-id", "node-id"}) {
            if (number(properties, zero, 0) != 0) {
                throw new VmException(CpuHotplug.DRIVER + ": " + zero + " must be 0 (one socket, one thread per core)");
            }
        }
        hotplug.plug(vm, core);
    }

    /** The CPU a device is, from the properties it was added with. */
    static int coreId(Map<String, Object> properties) {
        int core = number(properties, "core-id", -1);
        if (core < 0) {
            throw new VmException(CpuHotplug.DRIVER + ": core-id is required");
        }
        return core;
    }

    /** A property as clients send it: a JSON number or a numeric string (Kata sends strings). */
    private static int number(Map<String, Object> properties, String key, int fallback) {
        Object value = properties.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new VmException("Parameter '" + key + "' expects a number, not '" + value + "'");
        }
    }

    @Override
    public void unplug(Vm vm, PluggedDevice device) {
        hotplug.unplug(vm, coreId(device.properties()));
    }

    /** The CPU index (= core id = APIC id) as its address, and the vCPU's state. */
    @Override
    public DeviceDescription describe(Vm vm, PluggedDevice device) {
        int cpu = coreId(device.properties());
        return new DeviceDescription(Integer.toString(cpu), Map.of("state", vm.cpus().get(cpu).state().label()));
    }

    /** A reset rebuilds the machine with every vCPU it had. */
    @Override
    public AfterReset afterReset() {
        return AfterReset.KEPT;
    }
}
