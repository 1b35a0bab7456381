package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.acpi.AddressRange;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.boot.E820Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a VM's RAM goes: below the 32-bit MMIO hole, and the rest above 4 GiB; then the memory
 * hotplug region ({@code hotplugBytes}, 0 for none) and the 64-bit PCI window, each 1 GiB
 * aligned (DESIGN.md §4).
 */
public record MemoryMap(long ramBytes, long hotplugBytes) {
    /** A machine without a hotplug region. */
    public MemoryMap(long ramBytes) {
        this(ramBytes, 0);
    }

    public long lowRamEnd() {
        return Math.min(ramBytes, Layout.MMIO_32_START);
    }

    public long highRamBytes() {
        return ramBytes - lowRamEnd();
    }

    /** The memory hotplug region: 1 GiB aligned after the RAM above 4 GiB; empty without one. */
    public Optional<AddressRange> hotplugRegion() {
        return hotplugBytes == 0 ? Optional.empty()
                : Optional.of(new AddressRange(alignUp(Layout.HIGH_RAM_START + highRamBytes()), hotplugBytes));
    }

    /** The 64-bit PCI MMIO window: 1 GiB aligned after the RAM above 4 GiB and the hotplug region. */
    public AddressRange pciMmio64Window() {
        long end = hotplugRegion().map(region -> region.base() + region.size())
                .orElse(Layout.HIGH_RAM_START + highRamBytes());
        return new AddressRange(alignUp(end), Layout.PCI_MMIO_64_SIZE);
    }

    private static long alignUp(long address) {
        return (address + Layout.PCI_MMIO_64_ALIGNMENT - 1) & -Layout.PCI_MMIO_64_ALIGNMENT;
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
