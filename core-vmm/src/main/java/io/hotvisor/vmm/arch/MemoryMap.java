package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.acpi.AddressRange;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.boot.E820Entry;
import java.util.ArrayList;
import java.util.List;

/** Where a VM's RAM goes: below the 32-bit MMIO hole, and the rest above 4 GiB (DESIGN.md §4). */
public record MemoryMap(long ramBytes) {

    public long lowRamEnd() {
        return Math.min(ramBytes, Layout.MMIO_32_START);
    }

    public long highRamBytes() {
        return ramBytes - lowRamEnd();
    }

    /** The 64-bit PCI MMIO window: 1 GiB aligned after the RAM above 4 GiB (DESIGN.md §4). */
    public AddressRange pciMmio64Window() {
        long base = (Layout.HIGH_RAM_START + highRamBytes() + Layout.PCI_MMIO_64_ALIGNMENT - 1)
                & -Layout.PCI_MMIO_64_ALIGNMENT;
        return new AddressRange(base, Layout.PCI_MMIO_64_SIZE);
    }

    public List<GuestAddress> ramStarts() {
        return highRamBytes() > 0
                ? List.of(GuestAddress.of(0), GuestAddress.of(Layout.HIGH_RAM_START))
                : List.of(GuestAddress.of(0));
    }

    public List<Long> ramSizes() {
        return highRamBytes() > 0 ? List.of(lowRamEnd(), highRamBytes()) : List.of(lowRamEnd());
    }

    /** The e820 map handed to the guest. */
    public List<E820Entry> e820() {
        List<E820Entry> map = new ArrayList<>();
        map.add(new E820Entry(0, Layout.LOW_RAM_END, E820Entry.Type.RAM));
        map.add(new E820Entry(Layout.LOW_RAM_END, Layout.BIOS_AREA_END - Layout.LOW_RAM_END, E820Entry.Type.RESERVED));
        map.add(new E820Entry(Layout.BIOS_AREA_END, lowRamEnd() - Layout.BIOS_AREA_END, E820Entry.Type.RAM));
        map.add(new E820Entry(Layout.IDENTITY_MAP_ADDR, Layout.KVM_PRIVATE_END - Layout.IDENTITY_MAP_ADDR,
                E820Entry.Type.RESERVED));
        if (highRamBytes() > 0) {
            map.add(new E820Entry(Layout.HIGH_RAM_START, highRamBytes(), E820Entry.Type.RAM));
        }
        return map;
    }
}
