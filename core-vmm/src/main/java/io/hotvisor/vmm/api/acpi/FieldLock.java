package io.hotvisor.vmm.api.acpi;

/** Whether accessing a Field takes the ACPI global lock. */
public enum FieldLock {
    NO_LOCK,
    LOCK
}
