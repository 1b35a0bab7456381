package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.acpi.Aml;
import java.util.ArrayList;
import java.util.List;

/** Collects what capabilities add to a machine while it is built. */
final class Contribution implements MachineContribution {
    private final PlatformRegisters registers;
    final List<Aml> dsdt = new ArrayList<>();
    final List<byte[]> madt = new ArrayList<>();
    final List<byte[]> srat = new ArrayList<>();
    private final List<GedEvent> gedEvents = new ArrayList<>();

    Contribution(PlatformRegisters registers) {
        this.registers = registers;
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
        throw new UnsupportedOperationException("placeholder on the mem-api branch");
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
