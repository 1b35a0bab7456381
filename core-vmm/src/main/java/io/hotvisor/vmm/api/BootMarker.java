package io.hotvisor.vmm.api;

/**
 * A guest write to debug port 0x80.
 *
 * @param value           the byte the guest wrote
 * @param nanosSinceStart time since {@link Vm#start()} began
 */
public record BootMarker(int value, long nanosSinceStart) {
}
