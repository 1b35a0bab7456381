/* smp.h - AP bring-up (INIT/SIPI/SIPI), online CPU bookkeeping, PIT delays. */
#ifndef PROBE_SMP_H
#define PROBE_SMP_H

/* Shared with trampoline.S. */
#define AP_TRAMPOLINE	0x10000		/* SIPI vector 0x10; a free RAM page below 1 MiB */
#define AP_STACKS	255		/* one per APIC id 0..254 (xAPIC); the BSP's is unused */
#define AP_STACK_SHIFT	12		/* 4 KiB per AP */

#ifndef __ASSEMBLER__
#include "io.h"

#define MAX_APIC_ID	254		/* 8-bit xAPIC destination; 0xFF is broadcast */

extern volatile u8 cpu_online[256];	/* by APIC id; the BSP included */

u32 lapic_id(void);			/* this CPU's xAPIC id */
void smp_boot(void);			/* start the MADT's enabled CPUs, print "cpu N online" / "smp: ..." */
unsigned cpus_online(void);
int smp_start_cpu(u32 id);		/* hot-added CPU: INIT/SIPI/SIPI, wait for "cpu N online"; 1 if online */
int smp_stop_cpu(u32 id);		/* stop an AP (it halts, offline); 0 if id is the boot CPU */

/* Spin until *counter >= target or about `ms` milliseconds passed (PIT
 * channel 2 gate/OUT through port 0x61; a bounded loop if there is no PIT).
 * Returns 1 if the counter got there. */
int wait_for_count(volatile u32 *counter, u32 target, unsigned ms);

NORETURN void ap_main(u32 apic_id);	/* called by trampoline.S */
#endif

#endif
