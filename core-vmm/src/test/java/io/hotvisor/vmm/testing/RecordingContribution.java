package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.acpi.Aml;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the core's machine builder hands capabilities, recorded for their AML tests. */
public final class RecordingContribution implements MachineContribution {
    /** Where DESIGN.md §4 puts the platform register pages. */
    public static final long PLATFORM = 0xF000_0000L;

    public final List<Aml> dsdt = new ArrayList<>();
    public final List<GedEvent> events = new ArrayList<>();
    public final Map<String, Integer> ospmSlots = new LinkedHashMap<>();
    private final long hotplugRegionBase;
    public long hotplugMemory;

    /** {@code hotplugRegionBase}: what {@link #hotplugMemory} answers. */
    public RecordingContribution(long hotplugRegionBase) {
        this.hotplugRegionBase = hotplugRegionBase;
    }

    @Override
    public GuestAddress registerPage(String capability) {
        throw new UnsupportedOperationException("capabilities under test ask for their fixed page");
    }

    @Override
    public GuestAddress registerPage(String capability, long offset) {
        return GuestAddress.of(PLATFORM + offset);
    }

    @Override
    public GuestAddress hotplugMemory(long size) {
        hotplugMemory = size;
        return GuestAddress.of(hotplugRegionBase);
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
    }

    @Override
    public void sratEntry(byte[] entry) {
    }

    @Override
    public void gedEvent(int bit, String scanMethod) {
        events.add(new GedEvent(bit, scanMethod));
    }

    @Override
    public List<GedEvent> gedEvents() {
        return List.copyOf(events);
    }
}
