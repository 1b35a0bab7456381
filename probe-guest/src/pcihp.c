/* pcihp.c - the PCI hotplug controller, driven the way the VMM's AML (\_SB.PHPR.PSCN,
 * \_SB.PCI0.PCNT, Sxx._EJ0 -> PCEJ) would drive it under Linux: read the slots added and
 * the slots to eject (each read clears them), report what sits in an added slot through
 * ECAM, and eject a slot by writing its bit to B0EJ, as acpiphp does once its driver let go. */
#include "pcihp.h"
#include "pci.h"
#include "serial.h"

#define PCIU	0x0	/* u32 read: slots added since the last read */
#define PCID	0x4	/* u32 read: slots to eject since the last read */
#define B0EJ	0x8	/* u32 write: the slots released */
#define PSEG	0xc	/* u32 write: segment */

int pcihp_refuse;

static void slot_say(unsigned slot, const char *what)
{
	con_lock();
	con_puts("pci slot ");
	con_dec(slot);
	con_puts(what);
	con_unlock();
}

static void added(unsigned slot)
{
	u32 ids = pci_read32(slot, 0);

	con_lock();
	con_puts("pci slot ");
	con_dec(slot);
	con_puts(" added ");
	con_hex_width(ids & 0xffff, 4);
	con_putc(':');
	con_hex_width(ids >> 16, 4);
	con_puts("\r\n");
	con_unlock();
}

void pcihp_scan(void)
{
	mmio_write32(PCIHP_BASE + PSEG, 0);
	u32 up = mmio_read32(PCIHP_BASE + PCIU);
	u32 down = mmio_read32(PCIHP_BASE + PCID);

	for (unsigned slot = 1; slot < 32; slot++) {
		if (up & (1u << slot))
			added(slot);
		if (!(down & (1u << slot)))
			continue;
		if (pcihp_refuse) {
			slot_say(slot, " eject ignored\r\n");
			continue;
		}
		mmio_write32(PCIHP_BASE + B0EJ, 1u << slot);
		slot_say(slot, " ejected\r\n");
	}
}
