/* smp.c - start the other CPUs with INIT / SIPI / SIPI through the xAPIC ICR.
 *
 * Targets: the MADT's Enabled CPUs other than this one; with no MADT, APIC
 * ids 0..N-1 from "probe.cpus=N" on the command line. All targets get INIT,
 * then SIPI, then SIPI again, without the MP spec's 10 ms / 200 us delays:
 * KVM's in-kernel LAPIC latches INIT and SIPI and the AP takes both when its
 * vCPU next runs (a second SIPI to a running CPU is ignored). APs start in
 * parallel: each takes its APIC id's stack in trampoline.S.
 *
 * CPU hotplug (ged.c): smp_start_cpu() starts one hot-added CPU the same way;
 * smp_stop_cpu() sets the AP's stop flag and wakes it with the VEC_WAKE IPI,
 * the AP leaves its sti/hlt idle loop, marks itself offline and halts with
 * interrupts off (the VMM then parks it; a re-plugged CPU gets INIT/SIPI again). */
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
#define ICR_WAKE	(0x4000 | VEC_WAKE)	/* fixed, physical destination */

#define AP_WAIT_MS	2000

extern const char ap_trampoline[], ap_trampoline_end[], ap_trampoline_cr3[];

volatile u8 cpu_online[256];
static volatile u8 cpu_stop[256];	/* set by the boot CPU: the AP leaves its idle loop */
static volatile u32 ap_count;		/* APs that printed "cpu N online", ever */
static volatile u32 ap_stopped;		/* APs that left their idle loop, ever */
static u32 bsp_id;

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

/* "smp: cpu <id><what>"; the caller holds the console lock once APs run. */
static void smp_say(u32 id, const char *what)
{
	con_puts("smp: cpu ");
	con_dec(id);
	con_puts(what);
	con_puts("\r\n");
}

/* Copy the trampoline to AP_TRAMPOLINE with our CR3 in it (again for every
 * hot-added CPU: cheap, and nothing relies on the page staying intact). */
static int trampoline_setup(void)
{
	u64 cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if (cr3 >= (1UL << 32)) {
		con_puts("smp: CR3 above 4 GiB, APs not started\r\n");
		return 0;
	}
	memcpy((void *)AP_TRAMPOLINE, ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
	*(volatile u32 *)(AP_TRAMPOLINE + (ap_trampoline_cr3 - ap_trampoline)) = (u32)cr3;
	return 1;
}

void smp_boot(void)
{
	static u8 target[MAX_APIC_ID + 1];
	u32 bsp = lapic_id(), n = 0, id;

	bsp_id = bsp;
	cpu_online[bsp & 0xff] = 1;
	if (acpi.have_madt) {
		for (unsigned i = 0; i < acpi.ncpus && i < ACPI_MAX_CPUS; i++) {
			id = acpi.cpu_ids[i];
			if (id == bsp || (id <= MAX_APIC_ID && target[id]))
				continue;
			if (id > MAX_APIC_ID) {
				smp_say(id, " not started: needs x2APIC");
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

	if (n && !trampoline_setup()) {
		n = 0;
		memset(target, 0, sizeof(target));
	}
	if (n) {
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
		if (target[id] && !cpu_online[id])
			smp_say(id, " did not come up");
	}
	con_puts("smp: ");
	con_dec(1 + ap_count);
	con_puts(" cpus up\r\n");
	con_unlock();
}

/* A hot-added CPU (in wait-for-SIPI, like a boot AP): INIT, SIPI, SIPI, then
 * wait for its "cpu N online". 1 if it is online. */
int smp_start_cpu(u32 id)
{
	u32 n = ap_count;

	if (id > MAX_APIC_ID) {
		con_lock();
		smp_say(id, " not started: needs x2APIC");
		con_unlock();
		return 0;
	}
	if (cpu_online[id])
		return 1;
	if (!trampoline_setup())
		return 0;
	cpu_stop[id] = 0;
	send_ipi(id, ICR_INIT);
	send_ipi(id, ICR_SIPI);
	send_ipi(id, ICR_SIPI);
	if (wait_for_count(&ap_count, n + 1, AP_WAIT_MS))
		return 1;
	con_lock();
	smp_say(id, " did not come up");
	con_unlock();
	return 0;
}

/* Make an online AP leave its idle loop for good (cli; hlt) and wait until it
 * says so. 0 for the boot CPU, which cannot stop. */
int smp_stop_cpu(u32 id)
{
	u32 n = ap_stopped;

	if (id == bsp_id)
		return 0;
	if (id > MAX_APIC_ID || !cpu_online[id])
		return 1;
	cpu_stop[id] = 1;
	send_ipi(id, ICR_WAKE);
	if (!wait_for_count(&ap_stopped, n + 1, AP_WAIT_MS)) {
		cpu_online[id] = 0;
		con_lock();
		smp_say(id, " did not stop");
		con_unlock();
	}
	return 1;
}

void ap_main(u32 apic_id)
{
	u32 id = apic_id & 0xff;	/* < AP_STACKS: trampoline.S checked */

	idt_load();
	lapic_enable();			/* INIT left it software-disabled: VEC_WAKE needs it */
	con_lock();
	con_puts("cpu ");
	con_dec(apic_id);
	con_puts(" online\r\n");
	con_unlock();
	cpu_online[id] = 1;
	__atomic_fetch_add(&ap_count, 1, __ATOMIC_SEQ_CST);
	/* Idle until told to stop; STI's shadow makes check-then-sleep race-free. */
	for (;;) {
		cli();
		if (cpu_stop[id])
			break;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
	cpu_online[id] = 0;
	__atomic_fetch_add(&ap_stopped, 1, __ATOMIC_SEQ_CST);
	halt_forever();			/* until the VMM parks us, or INIT */
}
