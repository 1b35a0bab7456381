/* smp.c - start the other CPUs with INIT / SIPI / SIPI through the xAPIC ICR.
 *
 * Targets: the MADT's Enabled CPUs other than this one; with no MADT, APIC
 * ids 0..N-1 from "probe.cpus=N" on the command line. All targets get INIT,
 * then SIPI, then SIPI again, without the MP spec's 10 ms / 200 us delays:
 * KVM's in-kernel LAPIC latches INIT and SIPI and the AP takes both when its
 * vCPU next runs (a second SIPI to a running CPU is ignored). APs start in
 * parallel: each takes its own stack in trampoline.S. */
#include "smp.h"
#include "acpi.h"
#include "bootparams.h"
#include "interrupts.h"
#include "serial.h"

#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_BUSY	(1u << 12)	/* delivery status: send pending */
#define ICR_INIT	0x4500		/* INIT, level assert, physical destination */
#define ICR_SIPI	(0x4600 | (AP_TRAMPOLINE >> 12))

#define AP_WAIT_MS	2000

extern const char ap_trampoline[], ap_trampoline_end[], ap_trampoline_cr3[];

volatile u8 cpu_online[256];
volatile u32 ap_stack_next;		/* trampoline.S: next free AP stack */
static volatile u32 ap_count;		/* APs that printed "cpu N online" */

u32 lapic_id(void)
{
	return mmio_read32(LAPIC_BASE + LAPIC_ID) >> 24;
}

static void send_ipi(u32 dest, u32 icr)
{
	for (int i = 0; i < 1000 && (mmio_read32(LAPIC_BASE + LAPIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
	mmio_write32(LAPIC_BASE + LAPIC_ICR_HI, dest << 24);
	mmio_write32(LAPIC_BASE + LAPIC_ICR_LO, icr);
}

/* PIT channel 2, mode 0: OUT (port 0x61 bit 5) goes high after 50 ms. */
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61
#define PIT_50MS	59659		/* 1.193182 MHz * 50 ms */

static void pit_arm(void)
{
	outb(PORT_B, (inb(PORT_B) & 0xfc) | 0x01);	/* gate 2 on, speaker off */
	outb(PIT_CMD, 0xb0);				/* channel 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, PIT_50MS & 0xff);
	outb(PIT_CH2, PIT_50MS >> 8);
}

static int pit_out(void)
{
	return inb(PORT_B) & 0x20;
}

int wait_for_count(volatile u32 *counter, u32 target, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 50) {
		int no_pit;

		pit_arm();
		no_pit = pit_out();		/* OUT must read low right after arming */
		for (u32 spins = 1; *counter < target; spins++) {
			if (no_pit ? spins >= 100000 : ((spins & 15) == 0 && pit_out()) || spins >= (1u << 21))
				break;
			cpu_relax();
		}
		if (*counter >= target)
			return 1;
	}
	return 0;
}

unsigned cpus_online(void)
{
	unsigned n = 0;

	for (int i = 0; i < 256; i++)
		n += cpu_online[i];
	return n;
}

void smp_boot(void)
{
	static u8 target[MAX_APIC_ID + 1];
	u32 bsp = lapic_id(), n = 0, id;
	u64 cr3;

	cpu_online[bsp & 0xff] = 1;
	if (acpi.have_madt) {
		for (unsigned i = 0; i < acpi.ncpus && i < ACPI_MAX_CPUS; i++) {
			id = acpi.cpu_ids[i];
			if (id == bsp || (id <= MAX_APIC_ID && target[id]))
				continue;
			if (id > MAX_APIC_ID) {
				con_puts("smp: cpu ");
				con_dec(id);
				con_puts(" not started: needs x2APIC\r\n");
				continue;
			}
			target[id] = 1;
			n++;
		}
	} else {
		u64 want = cmdline_number("probe.cpus=", 1);

		for (id = 0; id < want && id <= MAX_APIC_ID; id++) {
			if (id != bsp) {
				target[id] = 1;
				n++;
			}
		}
	}

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if (n && cr3 >= (1UL << 32)) {
		con_puts("smp: CR3 above 4 GiB, APs not started\r\n");
		n = 0;
		memset(target, 0, sizeof(target));
	}
	if (n) {
		memcpy((void *)AP_TRAMPOLINE, ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
		*(volatile u32 *)(AP_TRAMPOLINE + (ap_trampoline_cr3 - ap_trampoline)) = (u32)cr3;
		for (id = 0; id <= MAX_APIC_ID; id++)
			if (target[id])
				send_ipi(id, ICR_INIT);
		for (int round = 0; round < 2; round++)
			for (id = 0; id <= MAX_APIC_ID; id++)
				if (target[id])
					send_ipi(id, ICR_SIPI);
		wait_for_count(&ap_count, n, AP_WAIT_MS);
	}

	con_lock();
	for (id = 0; id <= MAX_APIC_ID; id++) {
		if (target[id] && !cpu_online[id]) {
			con_puts("smp: cpu ");
			con_dec(id);
			con_puts(" did not come up\r\n");
		}
	}
	con_puts("smp: ");
	con_dec(1 + ap_count);
	con_puts(" cpus up\r\n");
	con_unlock();
}

void ap_main(u32 apic_id)
{
	idt_load();
	con_lock();
	con_puts("cpu ");
	con_dec(apic_id);
	con_puts(" online\r\n");
	con_unlock();
	cpu_online[apic_id & 0xff] = 1;
	__atomic_fetch_add(&ap_count, 1, __ATOMIC_SEQ_CST);
	halt_forever();
}
