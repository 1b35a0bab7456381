package io.hotvisor.memhotplug;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import java.util.Optional;

/**
 * A VM's memory hotplug settings, from its spec options: {@code hotplug-memory} (the size of the
 * hotplug region) and {@code memory-slots} (default 8, QEMU's and Cloud Hypervisor's usual count).
 */
record MemHotplugSettings(long regionSize, int slots) {
    static final String HOTPLUG_MEMORY = "hotplug-memory";
    static final String MEMORY_SLOTS = "memory-slots";
    static final int DEFAULT_SLOTS = 8;
    /** MPxx names two hex digits. */
    static final int MAX_SLOTS = 256;

    /** The settings of a VM with a hotplug region; empty without one. Bad values fail naming the option. */
    static Optional<MemHotplugSettings> of(VmSpec spec) {
        String size = spec.options().get(HOTPLUG_MEMORY);
        String slots = spec.options().get(MEMORY_SLOTS);
        if (size == null) {
            if (slots != null) {
                throw new VmException(spec.name() + ": option " + MEMORY_SLOTS + " needs " + HOTPLUG_MEMORY);
            }
            return Optional.empty();
        }
        long regionSize;
        try {
            regionSize = MemorySize.parse(size);
        } catch (VmException e) {
            throw new VmException(spec.name() + ": option " + HOTPLUG_MEMORY + ": " + e.getMessage());
        }
        if (regionSize <= 0 || regionSize % DimmAllocator.BLOCK != 0) {
            throw new VmException(spec.name() + ": option " + HOTPLUG_MEMORY + "=" + size
                    + " must be a positive multiple of " + MemorySize.format(DimmAllocator.BLOCK));
        }
        return Optional.of(new MemHotplugSettings(regionSize, slots == null ? DEFAULT_SLOTS : slotCount(spec, slots)));
    }

    private static int slotCount(VmSpec spec, String text) {
        try {
            int slots = Integer.parseInt(text.trim());
            if (slots >= 1 && slots <= MAX_SLOTS) {
                return slots;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new VmException(spec.name() + ": option " + MEMORY_SLOTS + "=" + text + " must be a number from 1 to "
                + MAX_SLOTS);
    }
}
