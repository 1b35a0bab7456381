package io.hotvisor.vmm.api;

import java.util.Map;

/**
 * Whiteboard service: one per device model name ({@code host-x86_64-cpu}, {@code pc-dimm},
 * {@code virtio-rng-pci}, ...). Every frontend (QMP {@code device_add}, the shell, JMX) reaches
 * drivers through {@link DeviceManager}, so a bundle that registers a driver is usable from all
 * of them at once.
 */
public interface DeviceDriver {
    /** The model name, as QEMU's {@code -device} and {@code device_add} use it. */
    String name();

    /** One line for listings ({@code device_add help}, completions). */
    String description();

    /** Property name to a one-line description; {@code id} and {@code driver} are implied. */
    Map<String, String> properties();

    /**
     * Adds the device to a running VM. Property values are what clients sent (strings, numbers,
     * booleans); bad or unknown ones fail with a {@link VmException} naming them. Returns once the
     * device is plugged; the guest may see it a little later.
     */
    void plug(Vm vm, String id, Map<String, Object> properties);

    /**
     * Asks the guest to release the device. When it has, the driver calls
     * {@link DeviceManager#deleted(Vm, String)}, which publishes {@code DEVICE_DELETED}.
     */
    void unplug(Vm vm, String id);

    /**
     * Whether the machine a reset rebuilds still has this driver's devices (QEMU's do: a reset
     * keeps the hardware). CPUs do, because the core re-creates every vCPU the VM had; a driver
     * whose devices the rebuilt machine would lack answers false and the device manager forgets
     * them at the reset.
     */
    default boolean devicesSurviveReset() {
        return false;
    }
}
