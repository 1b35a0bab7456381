package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.api.virtio.VirtioBus;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the virtio-*-pci drivers share: their property table (plus {@code addr} and
 * {@link PluggedDevice#REMOVABLE}), QEMU's errors for unknown properties, the plug itself, which hands the device
 * to the VM's virtio bus, and removal, which asks the guest through the bus's hotplug controller.
 * A reset plugs the devices again, as QEMU keeps its hardware.
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
        properties.put(PluggedDevice.REMOVABLE, "off: the guest may not eject it and device_del refuses (default on)");
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
        device.removable(); // a bad value fails now rather than at removal
        VirtioBus bus = vm.virtio(); // before any backend opens: a VM that is not running fails here
        bus.plug(device.name(), create(vm, device.name(), checked), slot);
    }

    /** The device with its backend open, or a one-line {@link VmException} naming what was wrong. */
    abstract VirtioDevice create(Vm vm, String id, DriverProperties properties);

    /** Asks the guest to release it; the hotplug controller publishes DEVICE_DELETED once it has. */
    @Override
    public final void unplug(Vm vm, PluggedDevice device) {
        if (!device.removable()) {
            throw new VmException("Device '" + device.name() + "' is not removable (it was added with removable=off)");
        }
        vm.pci().requestRemoval(slotOf(vm, device).orElseThrow(() -> new VmException(
                "Device '" + device.name() + "' is not on the PCI bus")));
    }

    private static Optional<PciSlot> slotOf(Vm vm, PluggedDevice device) {
        return vm.pci().slots().stream()
                .filter(slot -> slot.device().pluggedDeviceId().filter(device.name()::equals).isPresent())
                .findFirst();
    }

    /** Its PCI address, as {@code lspci} in the guest shows it. */
    @Override
    public final DeviceDescription describe(Vm vm, PluggedDevice device) {
        return slotOf(vm, device).map(slot -> new DeviceDescription(slot.address().toString(), Map.of()))
                .orElse(DeviceDescription.NONE);
    }

    @Override
    public final AfterReset afterReset() {
        return AfterReset.PLUGGED_AGAIN;
    }
}
