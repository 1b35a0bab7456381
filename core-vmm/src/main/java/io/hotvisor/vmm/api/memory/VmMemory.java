package io.hotvisor.vmm.api.memory;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.Registration;
import java.util.List;
import java.util.Optional;

/**
 * The running machine's guest RAM: bounds-checked access ({@link GuestMemory}) over an atomic
 * snapshot of its regions, plus regions plugged and unplugged at run time in the hotplug region.
 */
public interface VmMemory extends GuestMemory {
    /**
     * Where memory may be plugged: the range a capability asked for with
     * {@link io.hotvisor.vmm.api.MachineContribution#hotplugMemory(long)}; empty without one.
     */
    Optional<GuestRegion> hotplugRegion();

    /** Boot RAM and plugged regions, by address. */
    List<GuestRegion> regions();

    /**
     * Maps {@code backend}'s memory at {@code base} (inside the hotplug region, 2 MiB aligned, not
     * overlapping a plugged region) and tells the listeners. The caller has claimed the backend.
     */
    GuestRegion plug(GuestAddress base, MemoryBackend backend);

    /**
     * Takes a plugged region out of the guest's address space (its KVM slot goes, accesses to it
     * fail from now on) and tells the listeners; the backend keeps its memory.
     */
    void unplug(GuestRegion region);

    /** Adds a listener, which first hears of every region there is now. */
    Registration addRegionListener(RegionListener listener);
}
