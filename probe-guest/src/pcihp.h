/* pcihp.h - the PCI hotplug controller (\_SB.PHPR, slots S00..S31 under PCI0). */
#ifndef PROBE_PCIHP_H
#define PROBE_PCIHP_H

#include "io.h"

#define PCIHP_BASE	0xf0003000UL	/* Cloud Hypervisor's 16-byte block (DESIGN.md §4) */

extern int pcihp_refuse;	/* `pcirefuse on`: leave eject requests unanswered, as a stuck guest */

void pcihp_scan(void);		/* GED bit 0x4: PCNT and what Linux's acpiphp does on its notifications */

#endif
