/* bootparams.h - the Linux zero page (struct boot_params), by byte offset. */
#ifndef PROBE_BOOTPARAMS_H
#define PROBE_BOOTPARAMS_H

#include "io.h"

/* Offsets into struct boot_params (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_ACPI_RSDP_ADDR	0x070	/* u64 */
#define BP_EXT_RAMDISK_IMAGE	0x0c0	/* u32, bits 63:32 */
#define BP_EXT_RAMDISK_SIZE	0x0c4	/* u32, bits 63:32 */
#define BP_EXT_CMD_LINE_PTR	0x0c8	/* u32, bits 63:32 */
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_HDR			0x1f1	/* struct setup_header */
#define BP_RAMDISK_IMAGE	0x218	/* u32 */
#define BP_RAMDISK_SIZE		0x21c	/* u32 */
#define BP_CMD_LINE_PTR		0x228	/* u32 */
#define BP_CMDLINE_SIZE		0x238	/* u32 */
#define BP_E820_TABLE		0x2d0	/* struct boot_e820_entry[128], 20 bytes each */
#define E820_MAX_ENTRIES	128

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __attribute__((packed));

/* Set by bootparams_init(); later commands may use it. */
extern const u8 *boot_params;

void bootparams_init(const u8 *bp);
u64 bp_cmdline_addr(void);
u64 bp_initrd_addr(void);
u64 bp_initrd_size(void);
unsigned bp_e820_count(void);
const struct e820_entry *bp_e820(unsigned i);
const char *e820_type_name(u32 type);	/* NULL if unknown */

/* The value of the first "key..." word on the command line (key given with its '='): a pointer
 * to what follows the key, up to the next blank or the end; NULL if no word starts with key. */
const char *cmdline_value(const char *key);
/* "key=<decimal>" on the command line (key given with its '='), else def. */
u64 cmdline_number(const char *key, u64 def);

void bootparams_print(void);	/* the cmdline/e820/initrd lines of the boot report */

#endif
