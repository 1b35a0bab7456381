package io.hotvisor.vmm.api;

import io.hotvisor.vmm.api.acpi.Aml;
import java.util.List;

/** What a capability adds to a machine while it is built. */
public interface MachineContribution {
    /** The guest physical address of this capability's 4 KiB register page, given from +0x10000 on. */
    GuestAddress registerPage(String capability);

    /**
     * The guest physical address of this capability's 4 KiB register page at {@code offset} in
     * the platform area, where DESIGN.md §4 places it (GED +0x0000, CPU +0x1000, ...).
     */
    GuestAddress registerPage(String capability, long offset);

    /**
     * Reserves the memory hotplug region: {@code size} bytes (a multiple of 128 MiB) above RAM,
     * 1 GiB aligned, before the 64-bit PCI window (DESIGN.md §4); SRAT marks it
     * hot-pluggable, so Linux sizes its memory map for it. Returns its base. One per machine.
     */
    GuestAddress hotplugMemory(long size);

    /**
     * Declares the capability's {@code count} hotplug slots of {@code slotType} ({@code CPU},
     * {@code DIMM}), numbered from 0, which QMP's {@code query-acpi-ospm-status} lists from boot
     * on, as QEMU lists every slot of its controllers: source and status 0 until the guest reports.
     */
    void ospmSlots(String slotType, int count);

    void dsdt(List<? extends Aml> aml);

    void madtEntry(byte[] entry);

    void sratEntry(byte[] entry);

    /** Asks the GED to call {@code scanMethod} (an absolute AML path) when {@code bit} is raised. */
    void gedEvent(int bit, String scanMethod);

    /** GED events registered so far (the GED contributes last and reads them). */
    List<GedEvent> gedEvents();

    record GedEvent(int bit, String scanMethod) {
    }
}
