/* acpi.h - RSDP -> XSDT/RSDT -> FADT (DSDT), MADT, SRAT, MCFG: walk and report. */
#ifndef PROBE_ACPI_H
#define PROBE_ACPI_H

#include "io.h"

#define ACPI_MAX_CPUS	256

/* _OST source events and status codes (ACPI 6.x, 6.3.5), as Linux reports them. */
#define OST_DEVICE_CHECK	1
#define OST_EJECT_REQUEST	3
#define OST_SUCCESS		0
#define OST_FAILURE		1	/* non-specific failure */
#define OST_EJECT_IN_PROGRESS	0x84	/* Linux reports it on taking an eject request */

/* ACPI Generic Address Structure, the parts we use. */
struct acpi_gas {
	u8 space;		/* 0 system memory, 1 system I/O */
	u64 addr;		/* 0: not present */
};

/* What the last walk found (acpi_walk() refills it). */
struct acpi_info {
	int have_fadt;
	int hw_reduced;
	struct acpi_gas sleep_ctl;	/* FADT SLEEP_CONTROL_REG (offset 244) */
	struct acpi_gas reset_reg;	/* FADT RESET_REG (offset 116) */
	u8 reset_value;			/* FADT RESET_VALUE (offset 128) */
	int have_madt;
	unsigned ncpus;			/* MADT entries with Enabled set */
	unsigned n_online_capable;	/* ... with Online Capable set (and not Enabled) */
	u32 cpu_ids[ACPI_MAX_CPUS];	/* APIC ids of the enabled ones (first 256) */
	int have_ged;			/* the DSDT holds "ACPI0013" */
	int have_cpuhp;			/* the DSDT holds "ACPI0010" (CPU hotplug container) */
	unsigned mem_slots;		/* memory hotplug slots: _HID PNP0C80 devices in the DSDT (max 256) */
	u64 ecam_base;			/* MCFG's first allocation (segment 0); 0: no MCFG */
	u8 ecam_end_bus;
};

extern struct acpi_info acpi;

void acpi_walk(void);	/* find and check the tables, print the "acpi: ..." lines, fill `acpi` */

#endif
