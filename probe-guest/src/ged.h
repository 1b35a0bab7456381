/* ged.h - ACPI Generic Event Device (GED, ACPI0013) interrupt and the CPU hotplug controller. */
#ifndef PROBE_GED_H
#define PROBE_GED_H

#include "io.h"

#define GED_ESEL	0xf0000000UL	/* u32 event register, read-to-clear */
#define GED_GSI		5		/* IOAPIC pin: edge, active high */
#define CPUHP_BASE	0xf0001000UL	/* CPU hotplug controller, QEMU's modern 12-byte layout */

void ged_init(void);		/* if the DSDT has a GED: "ged: present", route GED_GSI to VEC_GED */
void ged_irq(void);		/* VEC_GED handler (isr.S): read ESEL, queue it, EOI */
int ged_pending(void);		/* events queued by ged_irq */
void ged_process(void);		/* handle them; normal context, interrupts on */
void cpuhp_report(void);	/* the `hotplug` command */
void cpuhp_ost(u32 id, u32 event, u32 status);	/* COST: one _OST report for CPU `id` */

#endif
