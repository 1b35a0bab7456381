package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.virtio.VirtioBus;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the virtio-*-pci drivers share: their property table (plus {@code addr}), QEMU's errors
 * for unknown properties, and the plug itself, which hands the device to the VM's virtio bus.
 * Removal asks the guest through ACPI PCI hotplug, which does not exist yet: refused.
 */
abstract class VirtioDriver implements DeviceDriver {
    private final String name;
    private final String description;
    private final Map<String, String> properties = new LinkedHashMap<>();

    VirtioDriver(String name, String description, Map<String, String> ownProperties) {
        this.name = name;
        this.description = description;
        properties.putAll(ownProperties);
        properties.put("addr", "PCI slot, in hex (default: the first free one)");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String bus() {
        return BUS_PCI;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Map<String, String> properties() {
        return Map.copyOf(properties);
    }

    @Override
    public final void plug(Vm vm, PluggedDevice device) {
        DriverProperties checked = new DriverProperties(name, device.properties(), properties.keySet());
        OptionalInt slot = checked.slot();
        VirtioBus bus = vm.virtio(); // before any backend opens: a VM that is not running fails here
        bus.plug(device.name(), create(vm, device.name(), checked), slot);
    }

    /** The device with its backend open, or a one-line {@link VmException} naming what was wrong. */
    abstract VirtioDevice create(Vm vm, String id, DriverProperties properties);

    @Override
    public final void unplug(Vm vm, PluggedDevice device) {
        throw new VmException("not supported: removing a " + name
                + " device needs ACPI PCI hotplug, which this Hotvisor does not have yet; stop the VM instead");
    }

    /** Its PCI address, as {@code lspci} in the guest shows it. */
    @Override
    public final DeviceDescription describe(Vm vm, PluggedDevice device) {
        return vm.pci().slots().stream()
                .filter(slot -> slot.device().pluggedDeviceId().filter(device.name()::equals).isPresent())
                .findFirst()
                .map(slot -> new DeviceDescription(slot.address().toString(), Map.of()))
                .orElse(DeviceDescription.NONE);
    }
}
