package io.hotvisor.vmm.api;

import java.util.Map;
import java.util.Set;

/**
 * Whiteboard service: one per device model name ({@code host-x86_64-cpu}, {@code pc-dimm},
 * {@code virtio-rng-pci}, ...). Every frontend (QMP {@code device_add}, the shell, JMX) reaches
 * drivers through {@link DeviceManager}, which owns the devices' ids and states, so a bundle that
 * registers a driver is usable from all of them at once.
 */
public interface DeviceDriver {
    String BUS_CPU = "cpu";
    String BUS_MEMORY = "memory";
    String BUS_PCI = "pci";
    String BUS_USB = "usb";

    /** The model name, as QEMU's {@code -device} and {@code device_add} use it. */
    String name();

    /**
     * Other names clients may use for the model: QEMU's legacy ones ({@code tablet} for
     * {@code usb-tablet} in HMP's {@code usb_add}, {@code pci-assign} for {@code vfio-pci}).
     */
    default Set<String> aliases() {
        return Set.of();
    }

    /** Where its devices sit: {@link #BUS_CPU}, {@link #BUS_MEMORY}, {@link #BUS_PCI}, {@link #BUS_USB}. */
    String bus();

    /** One line for listings ({@code device_add help}, completions). */
    String description();

    /** Property name to a one-line description; {@code id} and {@code driver} are implied. */
    Map<String, String> properties();

    /**
     * Adds the device to a running VM. Property values are what clients sent (strings, numbers,
     * booleans); bad or unknown ones fail with a {@link VmException} naming them. Returns once the
     * device is plugged; the guest may see it a little later.
     */
    void plug(Vm vm, PluggedDevice device);

    /**
     * Asks the guest to release the device. When it has, the driver calls
     * {@link DeviceManager#deleted(Vm, String)}, which publishes {@code DEVICE_DELETED}.
     */
    void unplug(Vm vm, PluggedDevice device);

    /** Where the device is and what it is doing now, for listings. */
    default DeviceDescription describe(Vm vm, PluggedDevice device) {
        return DeviceDescription.NONE;
    }

    /** What a reset, which rebuilds the machine, does to a driver's devices. */
    enum AfterReset {
        /** They are gone with the old machine, and the device manager forgets them. */
        FORGOTTEN,
        /**
         * The rebuilt machine has them already: the core re-creates every vCPU the VM had, a
         * capability maps its DIMMs again.
         */
        KEPT,
        /**
         * The device manager plugs them again into the rebuilt machine, before any vCPU runs, as
         * it plugs boot devices (PCI devices: QEMU and Cloud Hypervisor keep hot-added ones).
         */
        PLUGGED_AGAIN
    }

    /** A reset keeps the hardware in QEMU; a driver says how its devices follow. */
    default AfterReset afterReset() {
        return AfterReset.FORGOTTEN;
    }
}
