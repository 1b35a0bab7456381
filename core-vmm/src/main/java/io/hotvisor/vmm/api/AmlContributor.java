package io.hotvisor.vmm.api;

import io.hotvisor.vmm.api.acpi.Aml;
import java.util.List;

/**
 * Whiteboard service: adds to a VM's ACPI tables each time the VM is built (started or reset).
 * DSDT objects use absolute paths or their own {@code Scope}; MADT and SRAT entries are raw
 * structures (type, length, body) appended after the core's own.
 */
public interface AmlContributor {
    List<Aml> dsdt(Vm vm);

    default List<byte[]> madtEntries(Vm vm) {
        return List.of();
    }

    default List<byte[]> sratEntries(Vm vm) {
        return List.of();
    }
}
