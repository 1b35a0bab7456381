package io.hotvisor.vmm.api.memory;

/**
 * Told when guest RAM is plugged or unplugged, on the thread that did it. {@link #removed} comes
 * after the region left the guest's address space and before its host mapping goes away.
 */
public interface RegionListener {
    void added(GuestRegion region);

    void removed(GuestRegion region);
}
