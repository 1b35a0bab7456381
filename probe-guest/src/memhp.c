/* memhp.c - the memory hotplug controller, driven the way the VMM's AML
 * (\_SB.MHPC.MSCN, MCRS, MOST, MEJ0) would drive it under Linux.
 *
 * The register page is Hotvisor's fixed one (DESIGN.md §4). The number of
 * slots is not in the registers: it is the number of PNP0C80 devices in the
 * DSDT (acpi.c); the VMM ignores a selector past the last slot, so a scan must
 * not go further. A hot-added DIMM is identity-mapped (the boot page tables
 * cover only the low 4 GiB) and tested with an address-dependent pattern:
 * one word per 4 KiB page and the first and last 64 bytes, so a range whose
 * pages alias each other or are not backed shows, and 128 MiB takes about a
 * second at emulation speed (word by word it would take minutes). */
#include "memhp.h"
#include "acpi.h"
#include "serial.h"

/* Registers (byte offsets): reads and writes mean different things. */
#define MEM_BASE_LO	0x00	/* u32 read */
#define MEM_BASE_HI	0x04
#define MEM_LEN_LO	0x08
#define MEM_LEN_HI	0x0c
#define MEM_SEL		0x00	/* u32 write: slot selector */
#define MEM_OST_EVENT	0x04	/* u32 write */
#define MEM_OST_STATUS	0x08	/* u32 write: completes the _OST report */
#define MEM_FLAGS	0x14	/* u8 read: status; u8 write: control */
#define FL_ENABLED	0x01
#define FL_INSERT	0x02
#define FL_REMOVE	0x04
#define CTL_CLEAR_INSERT 0x02
#define CTL_CLEAR_REMOVE 0x04
#define CTL_EJECT	0x08

/* Page tables: 2 MiB pages (no 1 GiB pages: the lab CPU may lack pdpe1gb). */
#define PTE_PW		0x3	/* present, writable */
#define PTE_PS		0x80
#define PTE_ADDR	0x000ffffffffff000UL
#define PAGE_2M		(1UL << 21)
#define PD_POOL		64	/* page directories: 64 GiB of hot-added space */

/* Not in .bss: zeroing 256 KiB at boot costs time; a directory is zeroed when taken. */
static u64 pd_pool[PD_POOL][512] __attribute__((section(".pt_pool"), aligned(4096)));
static unsigned pd_used;
static u64 plugs;		/* makes each plug's pattern different */

int memhp_refuse;

static void sel(u32 slot)
{
	mmio_write32(MEMHP_BASE + MEM_SEL, slot);
}

static void ctl(u8 v)
{
	mmio_write8(MEMHP_BASE + MEM_FLAGS, v);
}

/* MOST(slot, event, status) */
void memhp_ost(u32 slot, u32 event, u32 status)
{
	sel(slot);
	mmio_write32(MEMHP_BASE + MEM_OST_EVENT, event);
	mmio_write32(MEMHP_BASE + MEM_OST_STATUS, status);
}

/* MCRS: the selected slot's base and length. */
static u64 rd64(unsigned lo)
{
	return mmio_read32(MEMHP_BASE + lo) | (u64)mmio_read32(MEMHP_BASE + lo + 4) << 32;
}

/* "mem slot <s><what>[0x<v>]" */
static void slot_say(u32 s, const char *what, int hex, u64 v)
{
	con_lock();
	con_puts("mem slot ");
	con_dec(s);
	con_puts(what);
	if (hex)
		con_hex(v);
	con_puts("\r\n");
	con_unlock();
}

/* "mem slot <s><what> base 0x<base> size 0x<size>" */
static void slot_range(u32 s, const char *what, u64 base, u64 size)
{
	con_lock();
	con_puts("mem slot ");
	con_dec(s);
	con_puts(what);
	con_puts(" base 0x");
	con_hex(base);
	con_puts(" size 0x");
	con_hex(size);
	con_puts("\r\n");
	con_unlock();
}

/* Identity-map [base, end) with 2 MiB pages under PML4[0] (the first
 * 512 GiB), taking a pool directory for an empty PDPT entry. Works on the
 * VMM's tables and pvh_head.S's alike; the APs share them (same CR3). NULL
 * on success, else why not. */
static const char *map_range(u64 base, u64 end)
{
	u64 cr3, *pdpt;

	if (end <= base || end > (1UL << 39))
		return " not mapped: above 512 GiB";
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pdpt = (u64 *)(((u64 *)(cr3 & PTE_ADDR))[0] & PTE_ADDR);
	for (u64 a = base & ~(PAGE_2M - 1); a < end; a += PAGE_2M) {
		u64 *e = &pdpt[a >> 30], *pd;

		if (!(*e & 1)) {
			if (pd_used == PD_POOL)
				return " not mapped: out of page tables";
			pd = pd_pool[pd_used++];
			memset(pd, 0, 4096);
			*e = (u64)pd | PTE_PW;
		} else if (*e & PTE_PS) {
			continue;			/* a 1 GiB page someone else made */
		}
		pd = (u64 *)(*e & PTE_ADDR);
		if (!(pd[a >> 21 & 511] & 1))
			pd[a >> 21 & 511] = a | PTE_PW | PTE_PS;
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");	/* flush, to be sure */
	return NULL;
}

/* Write the test words from a to end, step apart, or check them: the first
 * bad address, else 0. */
static u64 words(u64 a, u64 end, u64 step, u64 salt, int write)
{
	for (; a < end; a += step) {
		volatile u64 *p = (volatile u64 *)a;

		if (write)
			*p = a ^ salt;
		else if (*p != (a ^ salt))
			return a;
	}
	return 0;
}

/* The first 64 bytes, the first word of every further page, the last 64
 * bytes: write all, then check all (so a write through an alias shows). */
static u64 pattern(u64 base, u64 end, u64 salt, int write)
{
	u64 tail = end - base > 64 ? end - 64 : base, bad;

	if ((bad = words(base, tail > base + 64 ? base + 64 : tail, 8, salt, write)) ||
	    (bad = words((base | 0xfff) + 1, tail, 4096, salt, write)))
		return bad;
	return words(tail, end, 8, salt, write);
}

/* Linux on Notify(device check): add the memory (here: map and test it), _OST. */
static void insert(u32 s)
{
	u64 base = rd64(MEM_BASE_LO), size = rd64(MEM_LEN_LO), salt = ++plugs * 0x9e3779b97f4a7c15UL;
	const char *why;
	u64 bad = 0;

	slot_range(s, " insert", base, size);
	why = size ? map_range(base, base + size) : " has no memory";
	if (!why) {
		pattern(base, base + size, salt, 1);
		bad = pattern(base, base + size, salt, 0);
		slot_say(s, bad ? " pattern BAD at 0x" : " pattern ok", bad != 0, bad);
	} else {
		slot_say(s, why, 0, 0);
	}
	sel(s);
	ctl(CTL_CLEAR_INSERT);
	memhp_ost(s, OST_DEVICE_CHECK, why || bad ? OST_FAILURE : OST_SUCCESS);
	slot_say(s, why || bad ? " failed" : " online", 0, 0);
}

/* Linux on Notify(eject request): _OST "in progress", offline (nothing to do:
 * the probe does not use the memory), _EJ0 (MEJ0: select, eject), _OST. */
static void eject(u32 s)
{
	slot_say(s, " eject request", 0, 0);
	memhp_ost(s, OST_EJECT_REQUEST, OST_EJECT_IN_PROGRESS);
	if (memhp_refuse) {
		memhp_ost(s, OST_EJECT_REQUEST, OST_FAILURE);
		slot_say(s, " eject refused", 0, 0);
		return;
	}
	sel(s);
	ctl(CTL_EJECT);
	memhp_ost(s, OST_EJECT_REQUEST, OST_SUCCESS);
	slot_say(s, " ejected", 0, 0);
}

/* MSCN: every slot once; an insert is Notify(device check) and is cleared,
 * else a remove is Notify(eject request) and is cleared. Linux handles the
 * notifications after the scan; here each right away (the order of register
 * writes the VMM sees per slot is the same). */
void memhp_scan(void)
{
	if (!acpi.mem_slots) {
		con_lock();
		con_puts("mem: no controller\r\n");
		con_unlock();
		return;
	}
	for (u32 s = 0; s < acpi.mem_slots; s++) {
		u8 f;

		sel(s);
		f = mmio_read8(MEMHP_BASE + MEM_FLAGS);
		if (f == 0xff)
			return;			/* nothing there: unknown registers read all-ones */
		if (f & FL_INSERT) {
			insert(s);
		} else if (f & FL_REMOVE) {
			ctl(CTL_CLEAR_REMOVE);
			eject(s);
		}
	}
}

void memhp_report(void)
{
	u32 n = 0, s;

	if (!acpi.mem_slots) {
		con_puts("mem: no controller\r\n");
		return;
	}
	for (s = 0; s < acpi.mem_slots; s++) {
		u8 f;

		sel(s);
		f = mmio_read8(MEMHP_BASE + MEM_FLAGS);
		if (f == 0xff)
			break;
		if (f & FL_ENABLED) {
			slot_range(s, " enabled", rd64(MEM_BASE_LO), rd64(MEM_LEN_LO));
			n++;
		}
	}
	con_puts("mem: ");
	con_dec(n);
	con_puts(" of ");
	con_dec(s);
	con_puts(" slots enabled\r\n");
}
