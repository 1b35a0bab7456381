/*
 * header.S - the real-mode part of the image: file offsets 0x000-0x3FF.
 *
 * A 512-byte boot sector carrying the Linux/x86 setup header at 0x1F1
 * (Documentation/arch/x86/boot.rst), followed by one more 512-byte setup
 * sector (setup_sects = 1).  Nothing here is ever executed by Hotvisor: the
 * VMM reads the header and jumps to the 64-bit entry in the protected-mode
 * part.  The linker script places this section at LMA 0x100000 - 0x400 so
 * that `objcopy -O binary` emits it in front of the protected-mode part.
 */
	.section .header, "a"
	.code16

	.org	0x1f1
setup_sects:		.byte	1		/* 1 setup sector: real-mode part = 1024 bytes */
root_flags:		.word	0
syssize:		.long	_syssize	/* protected-mode part in 16-byte units (link.ld) */
ram_size:		.word	0
vid_mode:		.word	0
root_dev:		.word	0
boot_flag:		.word	0xaa55

	.org	0x200
jump:			.byte	0xeb, hdr_end - 1f	/* jmp hdr_end */
1:
header:			.ascii	"HdrS"
version:		.word	0x020f		/* protocol 2.15 */
realmode_swtch:		.long	0
start_sys_seg:		.word	0
kernel_version:		.word	version_str - 0x200
type_of_loader:		.byte	0
loadflags:		.byte	0x01		/* LOADED_HIGH */
setup_move_size:	.word	0
code32_start:		.long	0x100000
ramdisk_image:		.long	0
ramdisk_size:		.long	0
bootsect_kludge:	.long	0
heap_end_ptr:		.word	0
ext_loader_ver:		.byte	0
ext_loader_type:	.byte	0
cmd_line_ptr:		.long	0
initrd_addr_max:	.long	0x7fffffff
kernel_alignment:	.long	0x200000
relocatable_kernel:	.byte	0
min_alignment:		.byte	0
xloadflags:		.word	0x0003		/* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
cmdline_size:		.long	2047
hardware_subarch:	.long	0
hardware_subarch_data:	.quad	0
payload_offset:		.long	0
payload_length:		.long	0
setup_data:		.quad	0
pref_address:		.quad	0x100000
init_size:		.long	_init_size	/* memory needed from 0x100000, incl. .bss/stack (link.ld) */
handover_offset:	.long	0
kernel_info_offset:	.long	0
hdr_end:
	/* Real-mode entry (only reached by a loader that runs setup code): park. */
2:	cli
	hlt
	jmp	2b

version_str:
	.asciz	"Hotvisor probe guest 0.1"

	.org	0x400
