/* bootparams.c - read and report the zero page the VMM handed us. */
#include "bootparams.h"
#include "serial.h"

const u8 *boot_params;

static u32 rd32(unsigned off) { return *(const volatile u32 *)(boot_params + off); }
static u64 rd_split(unsigned lo, unsigned hi) { return rd32(lo) | ((u64)rd32(hi) << 32); }

void bootparams_init(const u8 *bp) { boot_params = bp; }

u64 bp_cmdline_addr(void) { return rd_split(BP_CMD_LINE_PTR, BP_EXT_CMD_LINE_PTR); }
u64 bp_initrd_addr(void) { return rd_split(BP_RAMDISK_IMAGE, BP_EXT_RAMDISK_IMAGE); }
u64 bp_initrd_size(void) { return rd_split(BP_RAMDISK_SIZE, BP_EXT_RAMDISK_SIZE); }

unsigned bp_e820_count(void)
{
	unsigned n = boot_params[BP_E820_ENTRIES];
	return n > E820_MAX_ENTRIES ? E820_MAX_ENTRIES : n;
}

const struct e820_entry *bp_e820(unsigned i)
{
	return (const struct e820_entry *)(boot_params + BP_E820_TABLE + 20 * i);
}

const char *e820_type_name(u32 type)
{
	switch (type) {
	case 1: return "usable";
	case 2: return "reserved";
	case 3: return "ACPI data";
	case 4: return "ACPI NVS";
	case 5: return "unusable";
	default: return NULL;
	}
}

#define CMDLINE_MAX	2047

const char *cmdline_value(const char *key)
{
	u64 p = bp_cmdline_addr();
	const char *s = (const char *)p;

	if (!p || p >= (1UL << 32))
		return NULL;
	for (int i = 0; i < CMDLINE_MAX && s[i]; i++) {
		int k = 0;

		if (i && s[i - 1] != ' ')
			continue;
		while (key[k] && s[i + k] == key[k])
			k++;
		if (!key[k])
			return s + i + k;
	}
	return NULL;
}

u64 cmdline_number(const char *key, u64 def)
{
	const char *s = cmdline_value(key);
	u64 v = 0;

	if (!s || *s < '0' || *s > '9')
		return def;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

void bootparams_print(void)
{
	u64 p = bp_cmdline_addr();

	con_puts("cmdline: ");
	if (p >= (1UL << 32)) {		/* only the low 4 GiB are mapped */
		con_puts("(unmapped at 0x");
		con_hex(p);
		con_putc(')');
	} else if (p) {
		const char *s = (const char *)p;
		for (int i = 0; i < CMDLINE_MAX && s[i]; i++)
			con_putc(s[i]);
	}
	con_puts("\r\n");

	unsigned n = bp_e820_count();
	con_puts("e820: ");
	con_dec(n);
	con_puts(" entries\r\n");
	for (unsigned i = 0; i < n; i++) {
		const struct e820_entry *e = bp_e820(i);
		const char *name = e820_type_name(e->type);

		con_puts("e820: [mem 0x");
		con_hex_width(e->addr, 16);
		con_puts("-0x");
		con_hex_width(e->addr + e->size - 1, 16);
		con_puts("] ");
		if (name) {
			con_puts(name);
		} else {
			con_puts("type ");
			con_dec(e->type);
		}
		con_puts("\r\n");
	}

	if (bp_initrd_size() == 0) {
		con_puts("initrd: none\r\n");
	} else {
		con_puts("initrd: addr=0x");
		con_hex(bp_initrd_addr());
		con_puts(" size=0x");
		con_hex(bp_initrd_size());
		con_puts("\r\n");
	}
}
