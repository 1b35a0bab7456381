/* ged.c - the ACPI GED interrupt and the CPU hotplug controller, driven the
 * way the VMM's AML (\_SB.CPUS.CSCN, CEJ0, COST) would drive them under Linux.
 *
 * The addresses are Hotvisor's fixed ones (DESIGN.md §4), not parsed from the
 * AML; the DSDT is only searched for "ACPI0013" / "ACPI0010" (acpi.c). The
 * interrupt handler just reads ESEL (which clears it) into a small queue; the
 * shell's idle loop (serial_getc_wait) calls ged_process(), so console output
 * and INIT/SIPI happen in normal context. */
#include "ged.h"
#include "acpi.h"
#include "commands.h"
#include "interrupts.h"
#include "memhp.h"
#include "pcihp.h"
#include "serial.h"
#include "smp.h"

#define GED_CPU		0x1
#define GED_MEMORY	0x2
#define GED_PCI		0x4
#define GED_POWER	0x8

/* CPU controller registers (byte offsets) and values. */
#define CPUHP_SEL	0x0	/* u32 write: selector = ACPI processor UID = APIC id */
#define CPUHP_FLAGS	0x4	/* u8 read: flags; u8 write: control */
#define CPUHP_CMD	0x5	/* u8 write */
#define CPUHP_DATA	0x8	/* u32 read/write: command data */
#define FL_ENABLED	0x01
#define FL_INSERT	0x02
#define FL_REMOVE	0x04
#define CTL_CLEAR_INSERT 0x02
#define CTL_CLEAR_REMOVE 0x04
#define CTL_EJECT	0x08
#define CMD_NEXT_EVENT	0	/* select the next CPU with a pending event; data = its selector */
#define CMD_OST_EVENT	1
#define CMD_OST_STATUS	2	/* the data write completes the _OST report */

/* One entry per interrupt: single producer (ged_irq), single consumer. */
#define GED_QUEUE	16
static volatile u32 events[GED_QUEUE];
static volatile u8 ev_head, ev_tail;

void ged_init(void)
{
	if (!acpi.have_ged)
		return;
	con_lock();
	con_puts("ged: present\r\n");
	con_unlock();
	ioapic_route(GED_GSI, VEC_GED, (u8)lapic_id());
}

void ged_irq(void)
{
	u32 v = mmio_read32(GED_ESEL);

	if ((u8)(ev_head - ev_tail) < GED_QUEUE) {
		events[ev_head % GED_QUEUE] = v;
		ev_head++;
	} else {
		events[(u8)(ev_head - 1) % GED_QUEUE] |= v;	/* full: merge into the newest */
	}
	lapic_eoi();
}

int ged_pending(void)
{
	return ev_head != ev_tail;
}

static void say(const char *line)
{
	con_lock();
	con_puts(line);
	con_unlock();
}

static void cpu_say(u32 id, const char *what)
{
	con_lock();
	con_puts("cpu ");
	con_dec(id);
	con_puts(what);
	con_unlock();
}

static void ctl(u8 v)
{
	mmio_write8(CPUHP_BASE + CPUHP_FLAGS, v);
}

static void select_cpu(u32 id)
{
	mmio_write32(CPUHP_BASE + CPUHP_SEL, id);
}

/* COST(uid, event, status): _OST through commands 1 and 2. */
void cpuhp_ost(u32 id, u32 event, u32 status)
{
	select_cpu(id);
	mmio_write8(CPUHP_BASE + CPUHP_CMD, CMD_OST_EVENT);
	mmio_write32(CPUHP_BASE + CPUHP_DATA, event);
	mmio_write8(CPUHP_BASE + CPUHP_CMD, CMD_OST_STATUS);
	mmio_write32(CPUHP_BASE + CPUHP_DATA, status);
}

/* CSCN: take events until none is pending. An insert is what Linux does on
 * Notify(device check) (start the CPU, _OST); a remove is Notify(eject
 * request): _OST "eject in progress", offline the CPU, CEJ0 (select, eject),
 * _OST. The bound only
 * stops a controller that never clears its events. */
static void cpu_scan(void)
{
	for (unsigned left = 512;; left--) {
		u32 id;
		u8 f;

		mmio_write8(CPUHP_BASE + CPUHP_CMD, CMD_NEXT_EVENT);
		f = mmio_read8(CPUHP_BASE + CPUHP_FLAGS);
		if (!(f & (FL_INSERT | FL_REMOVE)))
			return;
		if (!left) {
			say("ged: cpu scan gave up\r\n");
			return;
		}
		id = mmio_read32(CPUHP_BASE + CPUHP_DATA);
		if (f & FL_INSERT) {
			int ok;

			cpu_say(id, " hotplug insert\r\n");
			ok = smp_start_cpu(id);
			ctl(CTL_CLEAR_INSERT);
			cpuhp_ost(id, OST_DEVICE_CHECK, ok ? OST_SUCCESS : OST_FAILURE);
		} else {
			int ok;

			cpu_say(id, " eject request\r\n");
			cpuhp_ost(id, OST_EJECT_REQUEST, OST_EJECT_IN_PROGRESS);
			ok = smp_stop_cpu(id);
			ctl(CTL_CLEAR_REMOVE);
			if (ok) {
				select_cpu(id);		/* CEJ0 */
				ctl(CTL_EJECT);
			}
			cpu_say(id, ok ? " ejected\r\n" : " eject refused\r\n");
			cpuhp_ost(id, OST_EJECT_REQUEST, ok ? OST_SUCCESS : OST_FAILURE);
		}
	}
}

void ged_process(void)
{
	while (ev_head != ev_tail) {
		u32 ev = events[ev_tail % GED_QUEUE];

		ev_tail++;
		con_lock();
		con_puts("ged: event 0x");
		con_hex(ev);
		con_puts("\r\n");
		con_unlock();
		if (ev & GED_CPU)
			cpu_scan();
		if (ev & GED_MEMORY) {
			say("ged: memory event\r\n");
			memhp_scan();
		}
		if (ev & GED_PCI) {
			say("ged: pci event\r\n");
			pcihp_scan();
		}
		if (ev & GED_POWER) {
			say("ged: power button\r\n");
			poweroff();
		}
	}
}

void cpuhp_report(void)
{
	unsigned n = acpi.ncpus + acpi.n_online_capable;

	if (!acpi.have_cpuhp) {
		con_puts("hotplug: no controller\r\n");
		return;
	}
	for (u32 id = 0; id < n; id++) {
		select_cpu(id);
		cpu_say(id, mmio_read8(CPUHP_BASE + CPUHP_FLAGS) & FL_ENABLED ? " enabled=1\r\n" : " enabled=0\r\n");
	}
}
