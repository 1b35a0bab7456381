package io.hotvisor.vmm.api.virtio;

import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.OptionalInt;

/** Puts virtio devices on a running VM's PCI bus behind the core's virtio-pci transport ({@code Vm.virtio()}). */
public interface VirtioBus {
    /** Plugs {@code device} into {@code slot}, or the first free one; closing the slot removes it. */
    PciSlot plug(VirtioDevice device, OptionalInt slot);
}
