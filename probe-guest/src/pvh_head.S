/*
 * pvh_head.S - the PVH entry point, for booting the probe as an ELF (target/probe-guest.elf) the way
 * Hotvisor boots an uncompressed vmlinux: the XEN_ELFNOTE_PHYS32_ENTRY note names pvh_start32,
 * which the VMM enters in 32-bit protected mode with paging off, flat CS/DS/ES/SS, interrupts
 * off and EBX = &hvm_start_info (no stack).
 *
 * It identity-maps the low 4 GiB with 2 MiB pages (tables in .pvh_bss, which startup_64 does not
 * zero), enables long mode, turns the start info into a Linux zero page (pvh.c) and jumps to
 * startup_64 with RSI = that page: from there on the probe cannot tell how it was booted.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define PVH_CS32	0x08
#define PVH_DS		0x10
#define PVH_CS64	0x18
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define CR4_PAE		0x20
#define CR0_PE_PG	0x80000001
#define PTE_PW		0x3		/* present, writable */
#define PTE_PW_2M	0x83		/* present, writable, 2 MiB page */

	.section .note.Xen, "a", @note
	.balign	4
	.long	2f - 1f			/* namesz */
	.long	4f - 3f			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz	"Xen"
2:	.balign	4
3:	.long	pvh_start32
4:	.balign	4

	.text
	.code32
	.globl	pvh_start32
pvh_start32:
	cli
	cld
	movl	%ebx, %esi		/* &hvm_start_info, kept in ESI */
	lgdt	pvh_gdt_desc
	ljmp	$PVH_CS32, $1f
1:	movl	$PVH_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$boot_stack_top, %esp

	/* PML4 and PDPT: zeroed, then one PML4 entry and four PDPT entries. */
	movl	$pvh_pml4, %edi
	movl	$(2 * 4096 / 4), %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$(pvh_pdpt + PTE_PW), pvh_pml4
	movl	$pvh_pdpt, %edi
	movl	$(pvh_pd + PTE_PW), %eax
	movl	$4, %ecx
2:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	2b
	/* Four page directories: 2048 entries of 2 MiB cover 0-4 GiB. */
	movl	$pvh_pd, %edi
	movl	$PTE_PW_2M, %eax
	movl	$2048, %ecx
3:	movl	%eax, (%edi)
	movl	$0, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	3b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pvh_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PE_PG, %eax
	movl	%eax, %cr0
	ljmp	$PVH_CS64, $pvh_start64

	.code64
pvh_start64:
	movl	$PVH_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	leaq	boot_stack_top(%rip), %rsp
	movl	%esi, %edi		/* zero-extended &hvm_start_info */
	call	pvh_boot_params		/* builds the zero page, returns it */
	movq	%rax, %rsi
	jmp	startup_64

	.section .rodata
	.balign	8
pvh_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 32-bit code, flat */
	.quad	0x00cf93000000ffff	/* 0x10 data, flat */
	.quad	0x00af9b000000ffff	/* 0x18 64-bit code */
pvh_gdt_end:
	.balign	8
	.word	0			/* pad: the 32-bit base below is 4-aligned */
pvh_gdt_desc:
	.word	pvh_gdt_end - pvh_gdt - 1
	.long	pvh_gdt

	/* Not zeroed by startup_64 (unlike .bss): the page tables stay in use. */
	.section .pvh_bss, "aw", @nobits
	.balign	4096
pvh_pml4:
	.space	4096
pvh_pdpt:
	.space	4096
pvh_pd:
	.space	4 * 4096
	.globl	pvh_zero_page
pvh_zero_page:
	.space	4096
