package io.hotvisor.vmm.api.memory;

import io.hotvisor.vmm.api.GuestAddress;
import java.util.Optional;

/**
 * A range of guest RAM as the machine maps it.
 *
 * @param base        its guest physical address
 * @param size        its length in bytes
 * @param hostAddress where it is mapped in this process (for VFIO DMA maps)
 * @param backend     the id of the backend that was plugged there; empty for boot RAM
 */
public record GuestRegion(GuestAddress base, long size, long hostAddress, Optional<String> backend) {
    public long end() {
        return base.value() + size;
    }

    public boolean overlaps(long otherBase, long otherSize) {
        return otherBase < end() && base.value() < otherBase + otherSize;
    }
}
