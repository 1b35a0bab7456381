package io.hotvisor.vmm.api.acpi;

/** What a write to part of an access unit does with the unit's other bits. */
public enum FieldUpdate {
    PRESERVE,
    WRITE_AS_ONES,
    WRITE_AS_ZEROS
}
