package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.arch.MemoryMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects what capabilities add to a machine while it is built. */
final class Contribution implements MachineContribution {
    /** Linux adds hot-plugged memory in blocks of 128 MiB on x86-64. */
    static final long HOTPLUG_GRANULE = 128L << 20;
    private final PlatformRegisters registers;
    final List<Aml> dsdt = new ArrayList<>();
    final List<byte[]> madt = new ArrayList<>();
    final List<byte[]> srat = new ArrayList<>();
    private final List<GedEvent> gedEvents = new ArrayList<>();
    /** Slot type → how many slots, in the order capabilities declared them. */
    final Map<String, Integer> ospmSlots = new LinkedHashMap<>();
    private final long ramBytes;
    private long hotplugBytes;

    /** {@code ramBytes}: the boot RAM, after which the hotplug region goes. */
    Contribution(PlatformRegisters registers, long ramBytes) {
        this.registers = registers;
        this.ramBytes = ramBytes;
    }

    @Override
    public GuestAddress registerPage(String capability) {
        return registers.page(capability);
    }

    @Override
    public GuestAddress registerPage(String capability, long offset) {
        return registers.page(capability, offset);
    }

    @Override
    public GuestAddress hotplugMemory(long size) {
        if (size <= 0 || size % HOTPLUG_GRANULE != 0) {
            throw new VmException("the memory hotplug region must be a positive multiple of 128M, not " + size + " bytes");
        }
        if (hotplugBytes != 0) {
            throw new VmException("the memory hotplug region was already reserved");
        }
        hotplugBytes = size;
        return GuestAddress.of(new MemoryMap(ramBytes, size).hotplugRegion().orElseThrow().base());
    }

    /** The size of the memory hotplug region reserved, 0 for none. */
    long hotplugBytes() {
        return hotplugBytes;
    }

    @Override
    public void ospmSlots(String slotType, int count) {
        ospmSlots.put(slotType, count);
    }

    @Override
    public void dsdt(List<? extends Aml> aml) {
        dsdt.addAll(aml);
    }

    @Override
    public void madtEntry(byte[] entry) {
        madt.add(entry.clone());
    }

    @Override
    public void sratEntry(byte[] entry) {
        srat.add(entry.clone());
    }

    @Override
    public void gedEvent(int bit, String scanMethod) {
        gedEvents.add(new GedEvent(bit, scanMethod));
    }

    @Override
    public List<GedEvent> gedEvents() {
        return List.copyOf(gedEvents);
    }
}
