package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.OptionalInt;

/** Puts virtio devices on a running VM's PCI bus behind the core's virtio-pci transport ({@code Vm.virtio()}). */
public interface VirtioBus {
    /**
     * Plugs {@code device} into {@code slot}, or the first free one; closing the slot removes it.
     * {@code pluggedDeviceId} is the device manager's id of the device, which the PCI function
     * reports as its {@link io.hotvisor.vmm.api.pci.PciDevice#pluggedDeviceId()}. The bus owns
     * the device from here: it closes it when plugging fails, and when the device leaves the bus.
     */
    PciSlot plug(String pluggedDeviceId, VirtioDevice device, OptionalInt slot);
}
