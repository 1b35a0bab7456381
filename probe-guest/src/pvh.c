/* pvh.c - the PVH start info (include/xen/interface/hvm/start_info.h) as a Linux zero page. */
#include "io.h"
#include "bootparams.h"
#include "serial.h"
#include "pvh.h"

#define XEN_HVM_START_MAGIC_VALUE	0x336ec578

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;	/* version >= 1 */
	u32 memmap_entries;	/* version >= 1 */
	u32 reserved;
};

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");

extern u8 pvh_zero_page[4096];

/* Kept in .data: .bss is zeroed after this runs. */
static const struct hvm_start_info *pvh_info __attribute__((section(".data")));

static void put32(u8 *bp, unsigned off, u32 v) { *(volatile u32 *)(bp + off) = v; }

/*
 * Called by pvh_head.S in long mode, before startup_64: no .bss, no console yet. Fills the zero-page
 * fields the probe reads (command line, initrd, e820, ACPI RSDP), as Linux's
 * arch/x86/platform/pvh/enlighten.c does.
 */
u8 *pvh_boot_params(const struct hvm_start_info *si)
{
	u8 *bp = pvh_zero_page;

	pvh_info = si;
	for (unsigned i = 0; i < sizeof(pvh_zero_page); i++)
		((volatile u8 *)bp)[i] = 0;
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		return bp;
	put32(bp, BP_CMD_LINE_PTR, (u32)si->cmdline_paddr);
	put32(bp, BP_EXT_CMD_LINE_PTR, (u32)(si->cmdline_paddr >> 32));
	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *m = (const void *)si->modlist_paddr;

		put32(bp, BP_RAMDISK_IMAGE, (u32)m->paddr);
		put32(bp, BP_EXT_RAMDISK_IMAGE, (u32)(m->paddr >> 32));
		put32(bp, BP_RAMDISK_SIZE, (u32)m->size);
		put32(bp, BP_EXT_RAMDISK_SIZE, (u32)(m->size >> 32));
	}
	if (si->version >= 1 && si->memmap_paddr) {
		const struct hvm_memmap_table_entry *e = (const void *)si->memmap_paddr;
		unsigned n = si->memmap_entries > E820_MAX_ENTRIES ? E820_MAX_ENTRIES : si->memmap_entries;

		for (unsigned i = 0; i < n; i++) {
			struct e820_entry *d = (struct e820_entry *)(bp + BP_E820_TABLE + 20 * i);

			d->addr = e[i].addr;
			d->size = e[i].size;
			d->type = e[i].type;
		}
		bp[BP_E820_ENTRIES] = (u8)n;
	}
	*(volatile u64 *)(bp + BP_ACPI_RSDP_ADDR) = si->rsdp_paddr;
	return bp;
}

void pvh_print(void)
{
	if (!pvh_info)
		return;
	con_puts("boot: pvh start_info 0x");
	con_hex((u64)pvh_info);
	if (pvh_info->magic != XEN_HVM_START_MAGIC_VALUE) {
		con_puts(" BAD MAGIC\r\n");
		return;
	}
	con_puts(" version ");
	con_dec(pvh_info->version);
	con_puts(" memmap ");
	con_dec(pvh_info->version >= 1 ? pvh_info->memmap_entries : 0);
	con_puts(" modules ");
	con_dec(pvh_info->nr_modules);
	con_puts("\r\n");
}
