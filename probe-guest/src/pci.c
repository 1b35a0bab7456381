/* pci.c - walk bus 0 through ECAM as Linux does: vendor/device/class of each
 * function, and each BAR's kind and size found by writing all ones to it with
 * decoding off, then restoring it. */
#include "pci.h"
#include "acpi.h"
#include "serial.h"

#define PCI_COMMAND		0x04
#define PCI_CLASS_REVISION	0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_BARS		6
#define CMD_DECODE		0x3	/* I/O and memory space */

static u64 cfg_addr(unsigned slot, unsigned fn, unsigned reg)
{
	return acpi.ecam_base + ((u64)slot << 15) + ((u64)fn << 12) + reg;
}

static u32 cfg_read(unsigned slot, unsigned fn, unsigned reg)
{
	return mmio_read32(cfg_addr(slot, fn, reg));
}

static void cfg_write(unsigned slot, unsigned fn, unsigned reg, u32 v)
{
	mmio_write32(cfg_addr(slot, fn, reg), v);
}

u32 pci_read32(unsigned slot, unsigned reg)
{
	return cfg_read(slot, 0, reg & ~3u);
}

void pci_write32(unsigned slot, unsigned reg, u32 v)
{
	cfg_write(slot, 0, reg & ~3u, v);
}

int pci_find(u16 vendor, u16 device)
{
	if (!acpi.ecam_base)
		return -1;
	for (unsigned slot = 0; slot < 32; slot++) {
		if (cfg_read(slot, 0, 0) == ((u32)device << 16 | vendor))
			return (int)slot;
	}
	return -1;
}

/* Returns how many BAR registers it used (2 for a 64-bit BAR). */
static unsigned size_bar(unsigned slot, unsigned fn, unsigned bar)
{
	unsigned reg = PCI_BAR0 + 4 * bar;
	u32 low = cfg_read(slot, fn, reg), high = 0, mask_high = 0xffffffff;
	int io = low & 1, wide = !io && (low & 6) == 4;
	u64 mask, address;

	cfg_write(slot, fn, reg, 0xffffffff);
	mask = cfg_read(slot, fn, reg) & (io ? ~3u : ~0xfu);
	cfg_write(slot, fn, reg, low);
	if (wide) {
		high = cfg_read(slot, fn, reg + 4);
		cfg_write(slot, fn, reg + 4, 0xffffffff);
		mask_high = cfg_read(slot, fn, reg + 4);
		cfg_write(slot, fn, reg + 4, high);
	}
	mask |= (u64)mask_high << 32;
	if (!(mask & 0xffffffff) && !wide)
		return 1;	/* not implemented */
	address = ((u64)high << 32 | low) & (io ? ~3ull : ~0xfull);
	if (io)
		mask |= 0xffffffff00000000ull;
	con_puts("pci   bar");
	con_dec(bar);
	con_puts(io ? " io" : wide ? " mem64" : " mem32");
	if (!io && (low & 8))
		con_puts(" prefetchable");
	con_puts(" size 0x");
	con_hex(~mask + 1);
	con_puts(" at 0x");
	con_hex(address);
	con_puts("\r\n");
	return wide ? 2 : 1;
}

static void list_function(unsigned slot, unsigned fn, u32 ids)
{
	u32 class = cfg_read(slot, fn, PCI_CLASS_REVISION) >> 8;
	u32 command = cfg_read(slot, fn, PCI_COMMAND) & 0xffff;

	con_puts("pci ");
	con_hex_width(slot, 2);
	con_putc('.');
	con_dec(fn);
	con_putc(' ');
	con_hex_width(ids & 0xffff, 4);
	con_putc(':');
	con_hex_width(ids >> 16, 4);
	con_puts(" class ");
	con_hex_width(class, 6);
	con_puts("\r\n");
	if ((cfg_read(slot, fn, PCI_HEADER_TYPE - 2) >> 16 & 0x7f) != 0)
		return;		/* bridges: BARs 0-1 only, and none here */
	cfg_write(slot, fn, PCI_COMMAND, command & ~CMD_DECODE);
	for (unsigned bar = 0; bar < PCI_BARS;)
		bar += size_bar(slot, fn, bar);
	cfg_write(slot, fn, PCI_COMMAND, command);
}

void pci_list(void)
{
	if (!acpi.ecam_base) {
		con_puts("pci: no MCFG\r\n");
		return;
	}
	for (unsigned slot = 0; slot < 32; slot++) {
		u32 ids = cfg_read(slot, 0, 0);

		if (ids == 0xffffffff)
			continue;
		list_function(slot, 0, ids);
		if (!(cfg_read(slot, 0, PCI_HEADER_TYPE - 2) >> 16 & 0x80))
			continue;	/* single-function */
		for (unsigned fn = 1; fn < 8; fn++) {
			ids = cfg_read(slot, fn, 0);
			if (ids != 0xffffffff)
				list_function(slot, fn, ids);
		}
	}
	con_puts("pci: done\r\n");
}
