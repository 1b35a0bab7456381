/* memhp.h - the memory hotplug controller (\_SB.MHPC, DIMM slots PNP0C80). */
#ifndef PROBE_MEMHP_H
#define PROBE_MEMHP_H

#include "io.h"

#define MEMHP_BASE	0xf0002000UL	/* QEMU's 24-byte block (DESIGN.md §4) */

extern int memhp_refuse;	/* `memrefuse on`: answer eject requests with _OST failure */

void memhp_scan(void);		/* GED bit 0x2: MSCN and what Linux does on its notifications */
void memhp_report(void);	/* the `mem` command */
void memhp_ost(u32 slot, u32 event, u32 status);	/* MOST: one _OST report for a slot */

#endif
