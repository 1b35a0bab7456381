/**
 * The ACPI tables of a machine (internal to the core): {@link io.hotvisor.vmm.acpi.AcpiTables}
 * builds RSDP, XSDT, FADT, DSDT, MADT, SRAT and MCFG from an
 * {@link io.hotvisor.vmm.acpi.AcpiMachine} and places them from 0xE0000. Hardware-reduced ACPI
 * (DESIGN.md §5); the choices and their reasons are on each table's class.
 */
package io.hotvisor.vmm.acpi;
