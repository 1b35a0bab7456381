package io.hotvisor.memhotplug;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The {@code pc-dimm} device model: QMP {@code device_add}/{@code device_del} of DIMMs.
 * {@link MemHotplugService} registers it while it is active (why: there).
 */
public final class DimmDeviceDriver implements DeviceDriver {
    private static final Map<String, String> PROPERTIES = new LinkedHashMap<>();

    static {
        PROPERTIES.put("memdev", "the memory backend to plug (object-add memory-backend-*)");
        PROPERTIES.put("size", "without memdev: the size of a memory-backend-ram made for this DIMM alone");
        PROPERTIES.put("slot", "the slot (default: the lowest free one)");
        PROPERTIES.put("addr", "the guest physical address (default: the first free range)");
        PROPERTIES.put("node", "NUMA node (always 0)");
    }

    private final MemHotplugService hotplug;

    public DimmDeviceDriver(MemHotplugService hotplug) {
        this.hotplug = hotplug;
    }

    @Override
    public String name() {
        return MemHotplugService.DRIVER;
    }

    @Override
    public String bus() {
        return BUS_MEMORY;
    }

    @Override
    public String description() {
        return "a DIMM in an ACPI memory slot (memdev, or size; slot, addr)";
    }

    @Override
    public Map<String, String> properties() {
        return Map.copyOf(PROPERTIES);
    }

    @Override
    public void plug(Vm vm, PluggedDevice device) {
        hotplug.plug(vm, device, request(device.properties()));
    }

    /** The request a device's properties make, refusing what no DIMM can be. */
    static DimmRequest request(Map<String, Object> properties) {
        for (String key : properties.keySet()) {
            if (!PROPERTIES.containsKey(key)) {
                throw new VmException("Property '" + MemHotplugService.DRIVER + "." + key + "' not found");
            }
        }
        if (number(properties, "node").orElse(0) != 0) {
            throw new VmException("node must be 0: the machine has one NUMA node");
        }
        Object memdev = properties.get("memdev");
        Object size = properties.get("size");
        if (memdev != null && size != null) {
            throw new VmException("give memdev or size, not both (the backend has a size)");
        }
        if (memdev == null && size == null) {
            throw new VmException("'memdev' property is not set (or give a size for a RAM backend of its own)");
        }
        long bytes = 0;
        if (size != null) {
            bytes = size instanceof Number n ? n.longValue() : MemorySize.parse(size.toString());
            DimmAllocator.requireSize(bytes);
        }
        OptionalInt slot = number(properties, "slot");
        OptionalLong addr = address(properties.get("addr"));
        return new DimmRequest(memdev == null ? null : memdev.toString(), bytes, slot, addr);
    }

    /** A property as clients send it: a JSON number or a numeric string. */
    private static OptionalInt number(Map<String, Object> properties, String key) {
        Object value = properties.get(key);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim()));
        } catch (NumberFormatException e) {
            throw new VmException("Parameter '" + key + "' expects a number, not '" + value + "'");
        }
    }

    /** An address: a JSON number, or a decimal or 0x-prefixed hexadecimal string. */
    private static OptionalLong address(Object value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        if (value instanceof Number n) {
            return OptionalLong.of(n.longValue());
        }
        String text = value.toString().trim().toLowerCase(Locale.ROOT);
        try {
            return OptionalLong.of(text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16)
                    : Long.parseUnsignedLong(text));
        } catch (NumberFormatException e) {
            throw new VmException("Parameter 'addr' expects an address, not '" + value + "'");
        }
    }

    @Override
    public void unplug(Vm vm, PluggedDevice device) {
        hotplug.unplug(vm, device.name());
    }

    /** The slot as its address; the rest in the order of QEMU's query-memory-devices. */
    @Override
    public DeviceDescription describe(Vm vm, PluggedDevice device) {
        Dimm dimm = hotplug.dimm(vm, device.name()).orElseThrow(() -> new VmException(
                device.name() + " is not a plugged DIMM"));
        boolean bootDevice = vm.spec().bootDevices().stream().map(DeviceSpec::id)
                .anyMatch(id -> Objects.equals(id, device.id()));
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("kind", "dimm");
        facts.put("addr", dimm.base());
        facts.put("slot", dimm.slot());
        facts.put("node", 0);
        facts.put("size", dimm.size());
        facts.put("memdev", "/objects/" + dimm.backend());
        facts.put("hotplugged", !bootDevice);
        facts.put("hotpluggable", true);
        return new DeviceDescription(Integer.toString(dimm.slot()), facts);
    }

    /** A reset keeps the DIMMs: the service maps them into the rebuilt machine. */
    @Override
    public AfterReset afterReset() {
        return AfterReset.KEPT;
    }
}
