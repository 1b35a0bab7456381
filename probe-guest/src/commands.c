/* commands.c - the serial shell. To add a command, write a cmd_* function and
 * add a row to commands[] below. */
#include "commands.h"
#include "serial.h"
#include "acpi.h"
#include "smp.h"
#include "ged.h"
#include "memhp.h"
#include "pcihp.h"
#include "pci.h"
#include "virtio_rng.h"
#include "abuse.h"

static void cmd_help(const char *args);
static void cmd_reboot(const char *args);
static void cmd_poweroff(const char *args);
static void cmd_acpi(const char *args);
static void cmd_cpus(const char *args);
static void cmd_hotplug(const char *args);
static void cmd_mem(const char *args);
static void cmd_memrefuse(const char *args);
static void cmd_pcirefuse(const char *args);
static void cmd_pci(const char *args);
static void cmd_rng(const char *args);
static void cmd_exits(const char *args);

static const struct command commands[] = {
	{ "help",	"list the commands",				cmd_help },
	{ "reboot",	"reset the machine (0xFE to i8042 port 0x64)",	cmd_reboot },
	{ "poweroff",	"ACPI S5: SLP_TYP 5 | SLP_EN to the FADT sleep control register", cmd_poweroff },
	{ "acpi",	"walk the ACPI tables again and print them",	cmd_acpi },
	{ "cpus",	"list the online CPUs (APIC ids)",		cmd_cpus },
	{ "hotplug",	"CPU hotplug controller: enabled flag of each possible CPU", cmd_hotplug },
	{ "mem",	"memory hotplug controller: base and size of each enabled slot", cmd_mem },
	{ "memrefuse",	"on|off: answer memory eject requests with _OST failure", cmd_memrefuse },
	{ "pcirefuse",	"on|off: leave PCI eject requests unanswered", cmd_pcirefuse },
	{ "pci",	"bus 0 through ECAM: ids, class and BAR sizes of each function", cmd_pci },
	{ "rng",	"read 16 bytes from the virtio entropy device (queue 0, MSI-X)", cmd_rng },
	{ "exits",	"pio|mmio N: N writes to port 0x80 or N reads of an unclaimed MMIO page, between two lines", cmd_exits },
	{ "abuse",	"reset|s5|console [KIB]|ost [N]|regs [SEED [N]]: misbehave on purpose (robustness tests)", abuse },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void cmd_help(const char *args)
{
	(void)args;
	con_puts("commands:\r\n");
	for (unsigned i = 0; i < NCOMMANDS; i++) {
		size_t n = str_len(commands[i].name);
		con_puts("  ");
		con_puts(commands[i].name);
		do
			con_putc(' ');
		while (++n < 10);
		con_puts(commands[i].help);
		con_puts("\r\n");
	}
}

static void cmd_reboot(const char *args)
{
	(void)args;
	con_puts("rebooting\r\n");
	i8042_reset();
	halt_forever();
}

#define SLP_TYP_S5	5
#define SLP_EN		(1 << 5)

int s5_possible(void)
{
	const struct acpi_gas *g = &acpi.sleep_ctl;

	return g->addr && (g->space == 0 || g->space == 1) && !(g->space == 1 && g->addr > 0xffff) &&
	       !(g->space == 0 && g->addr >= (1UL << 32));
}

void s5_write(void)
{
	const struct acpi_gas *g = &acpi.sleep_ctl;
	u8 v = (SLP_TYP_S5 << 2) | SLP_EN;	/* 0x34: hardware-reduced sleep control */

	if (g->space == 1)
		outb((u16)g->addr, v);
	else
		*(volatile u8 *)g->addr = v;
}

/* Also the GED power button (ged.c). */
void poweroff(void)
{
	static volatile u32 never;

	if (!s5_possible()) {
		con_puts("poweroff: no ACPI sleep register\r\n");
		return;
	}
	con_puts("powering off\r\n");
	s5_write();
	wait_for_count(&never, 1, 1000);	/* the VMM should stop us meanwhile */
	con_puts("poweroff: still running\r\n");
}

static void cmd_poweroff(const char *args)
{
	(void)args;
	poweroff();
}

static void cmd_acpi(const char *args)
{
	(void)args;
	acpi_walk();
}

static void cmd_cpus(const char *args)
{
	(void)args;
	con_puts("cpus: ");
	con_dec(cpus_online());
	con_puts(" online:");
	for (int i = 0; i < 256; i++) {
		if (cpu_online[i]) {
			con_putc(' ');
			con_dec((u64)i);
		}
	}
	con_puts("\r\n");
}

static void cmd_hotplug(const char *args)
{
	(void)args;
	cpuhp_report();
}

static void cmd_mem(const char *args)
{
	(void)args;
	memhp_report();
}

int word_is(const char *s, const char *w)
{
	while (*w && *s == *w)
		s++, w++;
	return !*w && (*s == '\0' || *s == ' ');
}

const char *next_word(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

u64 parse_dec(const char *s, u64 def)
{
	u64 n = 0;

	if (*s < '0' || *s > '9')
		return def;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (u64)(*s++ - '0');
	return n;
}

/* `NAME on|off` sets a test switch; either way it prints the switch as it is now. */
static void toggle(const char *name, int *flag, const char *args)
{
	if (word_is(args, "on"))
		*flag = 1;
	else if (word_is(args, "off"))
		*flag = 0;
	else if (*args) {
		con_puts(name);
		con_puts(": on or off\r\n");
		return;
	}
	con_puts(name);
	con_puts(*flag ? ": on\r\n" : ": off\r\n");
}

/* Lets a test check that a refused removal is reported and the DIMM stays. */
static void cmd_memrefuse(const char *args)
{
	toggle("memrefuse", &memhp_refuse, args);
}

/* Lets a test check that a removal the guest does not answer stays pending. */
static void cmd_pcirefuse(const char *args)
{
	toggle("pcirefuse", &pcihp_refuse, args);
}

/* An MMIO page no device claims, under Hotvisor (the top of its 32-bit PCI window) and QEMU's
 * q35 alike: every read is a round trip to the VMM's user space. */
#define EXITS_MMIO	0xdffff000ULL

/* Exit round trips for bench/compare.sh: the host times from the arrival of the "go" line to
 * that of the "done" line (output is synchronous: "go" has left before the loop starts). */
static void cmd_exits(const char *args)
{
	int pio = word_is(args, "pio");
	u64 n = parse_dec(next_word(args), 0);

	if (!pio && !word_is(args, "mmio")) {
		con_puts("exits: pio|mmio N\r\n");
		return;
	}
	con_puts("exits: go\r\n");
	for (u64 i = 0; i < n; i++) {
		if (pio)
			outb(PORT_DEBUG, 0);
		else
			(void)mmio_read32(EXITS_MMIO);
	}
	con_puts("exits: done ");
	con_dec(n);
	con_puts("\r\n");
}

/* Run one complete line. */
static void execute(const char *line, size_t len)
{
	size_t i = 0, w;

	while (i < len && line[i] == ' ')
		i++;
	if (i == len)
		return;			/* empty line: just a new prompt */
	for (w = i; w < len && line[w] != ' '; w++)
		;
	for (unsigned c = 0; c < NCOMMANDS; c++) {
		const char *name = commands[c].name;
		size_t k = 0;

		while (i + k < w && name[k] == line[i + k])
			k++;
		if (i + k == w && name[k] == '\0') {
			while (w < len && line[w] == ' ')
				w++;
			commands[c].run(line + w);
			return;
		}
	}
	con_puts("you typed: ");
	con_write(line, len);
	con_puts("\r\n");
}

void shell_prompt(void)
{
	con_puts(PROMPT);
}

void shell_run(void)
{
	static char line[LINE_MAX + 1];
	size_t len = 0;
	int prev = 0;

	for (;;) {
		int c = serial_getc_wait();

		if (c == '\r' || c == '\n') {
			if (c == '\n' && prev == '\r') {	/* CRLF is one line end */
				prev = 0;
				continue;
			}
			con_puts("\r\n");
			line[len] = '\0';
			execute(line, len);
			len = 0;
			shell_prompt();
		} else if (c == 0x7f || c == 0x08) {
			if (len) {
				len--;
				con_puts("\b \b");
			}
		} else if (c >= 0x20 && c < 0x7f && len < LINE_MAX) {
			line[len++] = (char)c;
			con_putc((char)c);
		}
		prev = c;
	}
}

static void cmd_pci(const char *args)
{
	(void)args;
	pci_list();
}

static void cmd_rng(const char *args)
{
	(void)args;
	virtio_rng_read();
}
