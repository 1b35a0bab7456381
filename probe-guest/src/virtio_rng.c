/* virtio_rng.c - what Linux's virtio_pci_modern + virtio_rng do, cut to one request:
 * find the modern entropy device (1af4:1044) on bus 0, read its capabilities,
 * negotiate VERSION_1 only, give MSI-X vector 0 to queue 0 (message to this
 * CPU, vector VEC_VIRTIO), set up a split queue of 8, DRIVER_OK, make one
 * 16-byte writable buffer available, kick, and wait for the interrupt. Prints
 * "virtio-rng: ..." lines for the test; stops at the first thing that is wrong. */
#include "virtio_rng.h"
#include "interrupts.h"
#include "pci.h"
#include "serial.h"
#include "smp.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_RNG_DEVICE	0x1044
#define CAP_VENDOR		0x09
#define CAP_MSIX		0x11
#define CFG_COMMON		1
#define CFG_NOTIFY		2
#define CMD_MEMORY_MASTER	0x6

/* Common configuration (virtio 1.2 §4.1.4.3) */
#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_MSIX		0x10
#define C_STATUS	0x14
#define C_Q_SELECT	0x16
#define C_Q_SIZE	0x18
#define C_Q_MSIX	0x1a
#define C_Q_ENABLE	0x1c
#define C_Q_NOFF	0x1e
#define C_Q_DESC	0x20
#define C_Q_AVAIL	0x28
#define C_Q_USED	0x30
#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8

#define QSIZE		8
#define BYTES		16

struct desc { u64 addr; u32 len; u16 flags, next; };
struct avail { u16 flags, idx, ring[QSIZE], used_event; };
struct used_elem { u32 id, len; };
struct used { u16 flags, idx; struct used_elem ring[QSIZE]; u16 avail_event; };

static struct desc descs[QSIZE] __attribute__((aligned(16)));
static struct avail avail __attribute__((aligned(2)));
static struct used used __attribute__((aligned(4)));
static u8 buffer[BYTES];
static volatile u32 irqs;

void virtio_irq(void)
{
	irqs++;
	lapic_eoi();
}

static void fail(const char *what)
{
	con_puts("virtio-rng: ");
	con_puts(what);
	con_puts("\r\n");
}

void virtio_rng_read(void)
{
	int slot = pci_find(VIRTIO_VENDOR, VIRTIO_RNG_DEVICE);
	u64 bar = 0, common = 0, notify = 0, table = 0;
	u32 multiplier = 0, msix_cap = 0;

	if (slot < 0) {
		fail("no device 1af4:1044 on bus 0");
		return;
	}
	for (u32 at = pci_read32(slot, 0x34) & 0xfc; at; at = pci_read32(slot, at) >> 8 & 0xfc) {
		u32 head = pci_read32(slot, at);
		u8 id = head & 0xff, type = head >> 24;
		u32 bar_index = pci_read32(slot, at + 4) & 0xff;

		if (id == CAP_MSIX)
			msix_cap = at;
		if (id != CAP_VENDOR || bar_index != 0)
			continue;
		if (type == CFG_COMMON)
			common = pci_read32(slot, at + 8);
		if (type == CFG_NOTIFY) {
			notify = pci_read32(slot, at + 8);
			multiplier = pci_read32(slot, at + 16);
		}
	}
	bar = pci_read32(slot, 0x10) & ~0xfull;
	if (!bar || !msix_cap || !notify) {
		fail("capabilities or BAR 0 missing");
		return;
	}
	table = bar + (pci_read32(slot, msix_cap + 4) & ~7u);
	common += bar;
	pci_write32(slot, 0x04, pci_read32(slot, 0x04) | CMD_MEMORY_MASTER);

	mmio_write8(common + C_STATUS, 0);
	while (mmio_read8(common + C_STATUS))
		cpu_relax();
	mmio_write8(common + C_STATUS, S_ACK | S_DRIVER);
	mmio_write32(common + C_DFSELECT, 1);
	if (!(mmio_read32(common + C_DF) & 1)) {
		fail("VERSION_1 not offered");
		return;
	}
	mmio_write32(common + C_GFSELECT, 0);
	mmio_write32(common + C_GF, 0);
	mmio_write32(common + C_GFSELECT, 1);
	mmio_write32(common + C_GF, 1);
	mmio_write8(common + C_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(mmio_read8(common + C_STATUS) & S_FEATURES_OK)) {
		fail("FEATURES_OK refused");
		return;
	}

	/* MSI-X entry 0: fixed delivery of VEC_VIRTIO to this CPU; then enable MSI-X. */
	mmio_write32(table + 0, 0xfee00000u | lapic_id() << 12);
	mmio_write32(table + 4, 0);
	mmio_write32(table + 8, VEC_VIRTIO);
	mmio_write32(table + 12, 0);
	pci_write32(slot, msix_cap, pci_read32(slot, msix_cap) | 0x8000u << 16);

	mmio_write16(common + C_Q_SELECT, 0);
	if (mmio_read16(common + C_Q_SIZE) < QSIZE) {
		fail("queue 0 too small");
		return;
	}
	mmio_write16(common + C_Q_SIZE, QSIZE);
	mmio_write16(common + C_Q_MSIX, 0);
	if (mmio_read16(common + C_Q_MSIX) != 0) {
		fail("MSI-X vector 0 not taken");
		return;
	}
	mmio_write32(common + C_Q_DESC, (u32)(u64)descs);
	mmio_write32(common + C_Q_DESC + 4, 0);
	mmio_write32(common + C_Q_AVAIL, (u32)(u64)&avail);
	mmio_write32(common + C_Q_AVAIL + 4, 0);
	mmio_write32(common + C_Q_USED, (u32)(u64)&used);
	mmio_write32(common + C_Q_USED + 4, 0);
	mmio_write16(common + C_Q_ENABLE, 1);
	notify += bar + (u64)mmio_read16(common + C_Q_NOFF) * multiplier;
	mmio_write8(common + C_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);

	memset(buffer, 0, sizeof(buffer));
	descs[0].addr = (u64)buffer;
	descs[0].len = BYTES;
	descs[0].flags = 2;	/* device-writable */
	avail.ring[avail.idx % QSIZE] = 0;
	__asm__ volatile("" ::: "memory");
	avail.idx++;
	sti();
	mmio_write16(notify, 0);
	if (!wait_for_count(&irqs, 1, 5000) || used.idx != 1) {
		fail("no interrupt or no used buffer");
		return;
	}
	con_puts("virtio-rng: ");
	con_dec(used.ring[0].len);
	con_puts(" bytes by msi-x vector ");
	con_hex(VEC_VIRTIO);
	con_puts(":");
	for (int i = 0; i < BYTES; i++) {
		con_putc(' ');
		con_hex_width(buffer[i], 2);
	}
	con_puts("\r\n");
}
