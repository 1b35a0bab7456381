/* acpi.c - find the RSDP, walk the XSDT (or RSDT), check every checksum and
 * report what the tests care about: FADT sleep/reset registers, MADT CPUs and
 * IOAPICs, SRAT and MCFG summaries. Read only; tables must be below 4 GiB
 * (the only memory the VMM's page tables map). */
#include "acpi.h"
#include "bootparams.h"
#include "serial.h"

struct acpi_info acpi;

#define SIG(a, b, c, d)	((u32)(a) | (u32)(b) << 8 | (u32)(c) << 16 | (u32)(d) << 24)
#define RSDP_SIG	0x2052545020445352UL	/* "RSD PTR " */
#define HDR_LEN		36			/* common table header */

struct u32u { u32 v; } __attribute__((packed, may_alias));
struct u64u { u64 v; } __attribute__((packed, may_alias));
static u32 r32(const u8 *p, unsigned o) { return ((const struct u32u *)(p + o))->v; }
static u64 r64(const u8 *p, unsigned o) { return ((const struct u64u *)(p + o))->v; }

static int readable(u64 addr, u64 len)
{
	return addr && addr < (1UL << 32) && len <= (1UL << 32) - addr;
}

/* Sum of `len` bytes mod 256, 8 bytes per step: byte lanes are added into
 * 16-bit lanes of two accumulators, folded every 256 words (before a lane can
 * overflow). Tables such as the DSDT run to tens of KiB. */
static u64 fold(u64 x) { return (x & 0xffff) + (x >> 16 & 0xffff) + (x >> 32 & 0xffff) + (x >> 48); }

static u8 acpi_sum(const u8 *p, u32 len)
{
	const u64 m = 0x00ff00ff00ff00ffUL;
	u64 total = 0;

	while (len >= 8) {
		u32 n = len / 8 > 256 ? 256 : len / 8;
		u64 a = 0, b = 0;

		len -= n * 8;
		while (n--) {
			u64 w = ((const struct u64u *)p)->v;
			a += w & m;
			b += (w >> 8) & m;
			p += 8;
		}
		total += fold(a) + fold(b);
	}
	while (len--)
		total += *p++;
	return (u8)total;
}

/* Print n bytes as characters ('?' if not printable); trim: drop trailing blanks. */
static void put_chars(const u8 *p, int n, int trim)
{
	while (trim && n > 0 && p[n - 1] == ' ')
		n--;
	for (int i = 0; i < n; i++)
		con_putc(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?');
}

static void put_hex(const char *s, u64 v)
{
	con_puts(s);
	con_puts("0x");
	con_hex(v);
}

static void put_dec(const char *s, u64 v)
{
	con_puts(s);
	con_dec(v);
}

/* "acpi: <SIG> 0x<addr> len <n> checksum ok|BAD"; NULL if it cannot be read. */
static const u8 *table(u64 addr)
{
	const u8 *t = (const u8 *)addr;
	u32 len;

	if (!readable(addr, HDR_LEN) || (len = r32(t, 4)) < HDR_LEN || !readable(addr, len)) {
		put_hex("acpi: table ", addr);
		con_puts(" not readable\r\n");
		return NULL;
	}
	con_puts("acpi: ");
	put_chars(t, 4, 0);
	put_hex(" ", addr);
	put_dec(" len ", len);
	con_puts(acpi_sum(t, len) ? " checksum BAD\r\n" : " checksum ok\r\n");
	return t;
}

static const u8 *find_rsdp(void)
{
	u64 a = r64(boot_params, BP_ACPI_RSDP_ADDR);

	if (a) {
		if (readable(a, HDR_LEN) && r64((const u8 *)a, 0) == RSDP_SIG)
			return (const u8 *)a;
		put_hex("acpi: boot_params rsdp ", a);
		con_puts(" has no RSD PTR signature\r\n");
	}
	/* 8192 candidates: unrolled to ~2 instructions each (about 20 ms on
	 * hosts that emulate every guest instruction). */
	for (a = 0xe0000; a < 0x100000; a += 128) {
		const u64 *p = (const u64 *)a;

#pragma GCC unroll 8
		for (int i = 0; i < 16; i += 2)
			if (p[i] == RSDP_SIG)
				return (const u8 *)(p + i);
	}
	return NULL;
}

static void get_gas(const u8 *t, unsigned off, struct acpi_gas *g)
{
	g->space = t[off];
	g->addr = r64(t, off + 4);
}

static void put_gas(const char *name, const struct acpi_gas *g)
{
	con_puts(name);
	if (!g->addr) {
		con_puts("none");
		return;
	}
	if (g->space == 1) {
		con_puts("io:");
	} else if (g->space == 0) {
		con_puts("mem:");
	} else {
		put_dec("space", g->space);
		con_putc(':');
	}
	put_hex("", g->addr);
}

/* FADT offsets (ACPI 6.x, 5.2.9). */
static void fadt_parse(const u8 *t)
{
	u32 len = r32(t, 4);

	acpi.have_fadt = 1;
	if (len >= 116)
		acpi.hw_reduced = r32(t, 112) >> 20 & 1;	/* Flags.HW_REDUCED_ACPI */
	if (len >= 129) {
		get_gas(t, 116, &acpi.reset_reg);
		acpi.reset_value = t[128];
	}
	if (len >= 256)
		get_gas(t, 244, &acpi.sleep_ctl);
}

static void fadt_print(void)
{
	put_dec("acpi: fadt hw-reduced=", acpi.hw_reduced);
	put_gas(" sleep=", &acpi.sleep_ctl);
	put_gas(" reset=", &acpi.reset_reg);
	if (acpi.reset_reg.addr)
		put_hex("/", acpi.reset_value);
	con_puts("\r\n");
}

static u64 fadt_dsdt(const u8 *t)
{
	u32 len = r32(t, 4);
	u64 x = len >= 148 ? r64(t, 140) : 0;	/* X_DSDT */

	return x ? x : (len >= 44 ? r32(t, 40) : 0);
}

static void madt_cpu(u32 id, u32 flags)
{
	if (flags & 1) {			/* Enabled */
		if (acpi.ncpus < ACPI_MAX_CPUS)
			acpi.cpu_ids[acpi.ncpus] = id;
		acpi.ncpus++;
	} else if (flags & 2) {			/* Online Capable */
		acpi.n_online_capable++;
	}
}

static void madt_parse(const u8 *t)
{
	u32 len = r32(t, 4), o;
	struct { u32 addr, gsi, id; } io[8];
	unsigned nio = 0;

	acpi.have_madt = 1;
	for (o = 44; o + 2 <= len; o += t[o + 1]) {
		u8 type = t[o], l = t[o + 1];

		if (l < 2 || o + l > len)
			break;
		if (type == 0 && l >= 8)		/* Processor Local APIC */
			madt_cpu(t[o + 3], r32(t, o + 4));
		else if (type == 9 && l >= 16)		/* Processor Local x2APIC */
			madt_cpu(r32(t, o + 4), r32(t, o + 8));
		else if (type == 1 && l >= 12 && nio < 8) {	/* I/O APIC */
			io[nio].id = t[o + 2];
			io[nio].addr = r32(t, o + 4);
			io[nio].gsi = r32(t, o + 8);
			nio++;
		}
	}

	put_dec("acpi: madt cpus ", acpi.ncpus);
	put_dec(" enabled, ", acpi.n_online_capable);
	con_puts(" online-capable: ids");
	for (unsigned i = 0; i < acpi.ncpus && i < ACPI_MAX_CPUS; i++)
		put_dec(" ", acpi.cpu_ids[i]);
	con_puts("\r\n");
	for (unsigned i = 0; i < nio; i++) {
		put_hex("acpi: madt ioapic ", io[i].addr);
		put_dec(" id ", io[i].id);
		put_dec(" gsi ", io[i].gsi);
		con_puts("\r\n");
	}
}

static void srat_print(const u8 *t)
{
	u32 len = r32(t, 4), o, mem = 0, cpus = 0;

	for (o = 48; o + 2 <= len; o += t[o + 1]) {
		u8 type = t[o], l = t[o + 1];

		if (l < 2 || o + l > len)
			break;
		if (type == 0 && l >= 16)		/* Processor Local APIC affinity */
			cpus += r32(t, o + 4) & 1;
		else if (type == 1 && l >= 40)		/* Memory affinity */
			mem += r32(t, o + 28) & 1;
		else if (type == 2 && l >= 24)		/* Processor Local x2APIC affinity */
			cpus += r32(t, o + 12) & 1;
	}
	put_dec("acpi: srat ", mem);
	put_dec(" memory ranges, ", cpus);
	con_puts(" cpus\r\n");
}

/* Also remembers segment 0's ECAM from bus 0 for pci.c. */
static void mcfg_print(const u8 *t)
{
	u32 len = r32(t, 4);

	for (u32 o = 44; o + 16 <= len; o += 16) {
		if (!acpi.ecam_base && !(t[o + 8] | t[o + 9]) && !t[o + 10]) {
			acpi.ecam_base = r64(t, o);
			acpi.ecam_end_bus = t[o + 11];
		}
		put_hex("acpi: mcfg base ", r64(t, o));
		put_dec(" buses ", t[o + 10]);
		put_dec("-", t[o + 11]);
		if (t[o + 8] | t[o + 9])
			put_dec(" segment ", t[o + 8] | t[o + 9] << 8);
		con_puts("\r\n");
	}
}

/* Does the DSDT hold the strings "ACPI0013" (GED) and "ACPI0010" (CPU hotplug
 * container \_SB.CPUS), and how many memory slots (Name (_HID, EISAID
 * ("PNP0C80")): "HID", DWordPrefix, 0x800CD041) does it have? The slot count
 * is not in the controller's registers. No AML parsing: one Horspool search for
 * the three 8-byte needles (shifts: the smaller of the two tables), skipping up
 * to 8 bytes per step. */
static void dsdt_scan(const u8 *t)
{
	static const u8 less[256] = {	/* 8 - Horspool shift of the byte under the last position */
		['A'] = 5, ['C'] = 2, ['P'] = 3, ['I'] = 4, ['0'] = 6, ['1'] = 7,	/* "ACPI001" */
		['H'] = 1, ['D'] = 3, [0x0c] = 7, [0xd0] = 6,			/* "HID" 0C 41 D0 0C */
	};
	const u64 prefix = 0x0031303049504341UL;	/* "ACPI001", little endian */
	const u64 memdev = 0x800cd0410c444948UL;	/* "HID" 0C 41 D0 0C 80 */
	u32 len = r32(t, 4);

	for (u32 i = HDR_LEN; i + 8 <= len; i += 8u - less[t[i + 7]]) {
		u8 c = t[i + 7];

		if ((c == '3' || c == '0') && (r64(t, i) & 0x00ffffffffffffffUL) == prefix) {
			if (c == '3')
				acpi.have_ged = 1;
			else
				acpi.have_cpuhp = 1;
		} else if (c == 0x80 && r64(t, i) == memdev && acpi.mem_slots < 256) {
			acpi.mem_slots++;
		}
	}
}

void acpi_walk(void)
{
	const u8 *rsdp, *root, *fadt = NULL, *dsdt = NULL, *madt = NULL, *srat = NULL, *mcfg = NULL;
	u64 xsdt;
	u32 esz, n;
	u8 rev;

	memset(&acpi, 0, sizeof(acpi));
	rsdp = find_rsdp();
	if (!rsdp) {
		con_puts("acpi: no rsdp\r\n");
		return;
	}
	rev = rsdp[15];
	put_hex("acpi: rsdp ", (u64)rsdp);
	put_dec(" rev ", rev);
	con_puts(" oem ");
	put_chars(rsdp + 9, 6, 1);
	con_puts(acpi_sum(rsdp, 20) || (rev >= 2 && acpi_sum(rsdp, 36)) ? " BAD\r\n" : " ok\r\n");

	xsdt = rev >= 2 ? r64(rsdp, 24) : 0;
	esz = xsdt ? 8 : 4;
	root = table(xsdt ? xsdt : r32(rsdp, 16));
	if (!root)
		return;
	n = (r32(root, 4) - HDR_LEN) / esz;
	for (u32 i = 0; i < n; i++) {
		unsigned o = HDR_LEN + i * esz;
		const u8 *t = table(esz == 8 ? r64(root, o) : r32(root, o));

		if (!t)
			continue;
		switch (r32(t, 0)) {
		case SIG('F', 'A', 'C', 'P'):
			fadt = t;
			dsdt = table(fadt_dsdt(t));
			break;
		case SIG('A', 'P', 'I', 'C'):
			madt = t;
			break;
		case SIG('S', 'R', 'A', 'T'):
			srat = t;
			break;
		case SIG('M', 'C', 'F', 'G'):
			mcfg = t;
			break;
		}
	}
	if (dsdt)
		dsdt_scan(dsdt);
	if (fadt) {
		fadt_parse(fadt);
		fadt_print();
	}
	if (madt)
		madt_parse(madt);
	if (srat)
		srat_print(srat);
	if (mcfg)
		mcfg_print(mcfg);
}
