package io.hotvisor.memhotplug;

/**
 * A DIMM in a slot of the memory hotplug controller.
 *
 * @param slot       its slot, 0 .. memory-slots - 1
 * @param device     the device's name in the device manager (its id, or its QOM path without one)
 * @param backend    the id of the memory backend it maps
 * @param base       its guest physical address
 * @param size       its length in bytes
 * @param ownBackend whether the driver created the backend (a pc-dimm given a size, not a memdev),
 *                   so that it goes with the DIMM
 */
public record Dimm(int slot, String device, String backend, long base, long size, boolean ownBackend) {
    public long end() {
        return base + size;
    }
}
