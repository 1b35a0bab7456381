/* abuse.c - a guest that misbehaves on purpose (issue 14's guest abuse tests): what a VMM must
 * survive without harm to the host, its container or its other VMs.
 *
 *   abuse reset             0xFE to the i8042 in a tight loop (never returns: the VMM resets us)
 *   abuse s5                S5 to the FADT sleep register in a tight loop (the VMM shuts us down)
 *   abuse console [KIB]     KIB KiB (default 1024) to COM1 as fast as it can, THRE ignored
 *   abuse ost [N]           N _OST reports (default 10000) to the CPU and to the memory controller
 *   abuse regs [SEED [N]]   N random writes (default 1 and 100000) to the platform register pages
 *
 * `probe.abuse=MODE` on the command line runs MODE with its defaults right before the first
 * prompt, so that a reset loop goes on in every boot. */
#include "abuse.h"
#include "acpi.h"
#include "bootparams.h"
#include "commands.h"
#include "ged.h"
#include "memhp.h"
#include "serial.h"

#define PLATFORM_BASE	GED_ESEL	/* GED, CPU, memory and PCI hotplug pages (DESIGN.md §4) */
#define PLATFORM_PAGES	4
#define PAGE		4096

static NORETURN void reset_loop(void)
{
	con_puts("abuse: reset loop\r\n");
	for (;;)
		i8042_reset();
}

static void s5_loop(void)
{
	if (!s5_possible()) {
		con_puts("abuse: no ACPI sleep register\r\n");
		return;
	}
	con_puts("abuse: s5 loop\r\n");
	for (;;)
		s5_write();
}

/* 64-byte lines, a page of them, each byte one exit. */
static char flood_page[PAGE] __attribute__((aligned(PAGE)));

static void console_flood(u64 kib)
{
	static const char line[] = "flood: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS\r\n";

	for (unsigned i = 0; i < PAGE; i++)
		flood_page[i] = line[i % (sizeof(line) - 1)];
	con_puts("abuse: console flood ");
	con_dec(kib);
	con_puts(" KiB\r\n");
	for (u64 n = 0; n < kib / 4; n++)
		for (unsigned i = 0; i < PAGE; i++)
			outb(COM1, (u8)flood_page[i]);
	con_puts("abuse: console done ");
	con_dec(kib / 4 * PAGE);
	con_puts(" bytes\r\n");
}

/* Insert-succeeded reports for CPU 0 and memory slot 0, as a guest stuck in its _OST would send. */
static void ost_flood(u64 n)
{
	u64 cpu = acpi.have_cpuhp ? n : 0, mem = acpi.mem_slots ? n : 0;

	con_puts("abuse: ost flood\r\n");
	for (u64 i = 0; i < n; i++) {
		if (cpu)
			cpuhp_ost(0, OST_DEVICE_CHECK, OST_SUCCESS);
		if (mem)
			memhp_ost(0, OST_DEVICE_CHECK, OST_SUCCESS);
	}
	con_puts("abuse: ost done cpu ");
	con_dec(cpu);
	con_puts(" mem ");
	con_dec(mem);
	con_puts("\r\n");
}

/* xorshift64 (Marsaglia): the same seed makes the same writes on every run. */
static u64 next_random(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Writes of 1, 2 or 4 bytes anywhere inside one of the pages (unaligned too), random values. */
static void register_writes(u64 seed, u64 n)
{
	u64 x = seed ? seed : 1, per_page[PLATFORM_PAGES] = { 0 };

	con_puts("abuse: regs seed ");
	con_dec(seed);
	con_puts("\r\n");
	for (u64 i = 0; i < n; i++) {
		u64 r = next_random(&x);
		unsigned page = r % PLATFORM_PAGES, size = 1u << ((r >> 8) % 3);
		u64 addr = PLATFORM_BASE + page * PAGE + (r >> 16) % (PAGE - size + 1);
		u32 value = (u32)(r >> 32);

		if (size == 1)
			mmio_write8(addr, (u8)value);
		else if (size == 2)
			mmio_write16(addr, (u16)value);
		else
			mmio_write32(addr, value);
		per_page[page]++;
	}
	con_puts("abuse: regs done ");
	con_dec(n);
	con_puts(" writes: ged ");
	con_dec(per_page[0]);
	con_puts(" cpu ");
	con_dec(per_page[1]);
	con_puts(" mem ");
	con_dec(per_page[2]);
	con_puts(" pci ");
	con_dec(per_page[3]);
	con_puts("\r\n");
}

void abuse(const char *args)
{
	const char *arg = next_word(args);

	if (word_is(args, "reset"))
		reset_loop();
	else if (word_is(args, "s5"))
		s5_loop();
	else if (word_is(args, "console"))
		console_flood(parse_dec(arg, 1024));
	else if (word_is(args, "ost"))
		ost_flood(parse_dec(arg, 10000));
	else if (word_is(args, "regs"))
		register_writes(parse_dec(arg, 1), parse_dec(next_word(arg), 100000));
	else
		con_puts("abuse: reset|s5|console [KIB]|ost [N]|regs [SEED [N]]\r\n");
}

void abuse_boot(void)
{
	const char *mode = cmdline_value("probe.abuse=");
	char word[16];
	unsigned n = 0;

	if (!mode)
		return;
	while (n < sizeof(word) - 1 && mode[n] && mode[n] != ' ') {
		word[n] = mode[n];
		n++;
	}
	word[n] = '\0';		/* the mode only: later words of the command line are no arguments */
	abuse(word);
}
