/*
 * trampoline.S - application processor (AP) start-up.
 *
 * ap_trampoline..ap_trampoline_end is copied by smp.c to AP_TRAMPOLINE
 * (0x10000, below 1 MiB as a SIPI vector page must be) and runs there: the AP
 * leaves INIT/SIPI in real mode at CS:IP = 0x1000:0000.  Every absolute
 * address in it is computed for the copy (T(x)), so it never runs in place.
 * It goes real -> protected -> long mode on the BSP's page tables (CR3 patched
 * into ap_trampoline_cr3 before the SIPIs) and jumps to ap_start64 in the
 * image, which takes its APIC id's stack and calls ap_main(apic_id).
 */
#include "smp.h"

#define T(x)	((x) - ap_trampoline + AP_TRAMPOLINE)

#define TR_CS32	0x08
#define TR_DS	0x10
#define TR_CS64	0x18

	.section .rodata.trampoline, "a"
	.balign	16
	.globl	ap_trampoline
ap_trampoline:
	.code16
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tr_gdt_desc - ap_trampoline	/* DS-relative */
	movl	$1, %eax			/* CR0 = PE only: also clears CD/NW left by INIT */
	movl	%eax, %cr0
	ljmpl	$TR_CS32, $T(tr_32)

	.code32
tr_32:
	movl	$TR_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	T(ap_trampoline_cr3), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	$0x80000011, %eax		/* PG | ET | PE */
	movl	%eax, %cr0
	ljmpl	$TR_CS64, $T(tr_64)

	.code64
tr_64:
	movl	$ap_start64, %eax
	jmp	*%rax

	.balign	8
tr_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff		/* 0x08 32-bit code, flat */
	.quad	0x00cf92000000ffff		/* 0x10 data, flat */
	.quad	0x00af9a000000ffff		/* 0x18 64-bit code */
tr_gdt_desc:
	.word	tr_gdt_desc - tr_gdt - 1
	.long	T(tr_gdt)
	.balign	4
	.globl	ap_trampoline_cr3
ap_trampoline_cr3:
	.long	0
	.globl	ap_trampoline_end
ap_trampoline_end:

/*
 * ap_start64: long mode, trampoline GDT, no stack yet.  Load the image's GDT,
 * take the 4 KiB stack of this APIC id (so a CPU that is stopped, ejected and
 * plugged again reuses its own stack, and APs may start together) and call
 * ap_main(APIC id from the xAPIC ID register).
 */
	.text
	.code64
	.globl	ap_start64
ap_start64:
	lgdt	gdt_desc(%rip)
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$0xfee00020, %eax		/* LAPIC ID register, bits 31:24 */
	movl	(%rax), %edi
	shrl	$24, %edi
	cmpl	$AP_STACKS, %edi
	jae	2f				/* no stack for this id: park */
	leal	1(%rdi), %eax
	shll	$AP_STACK_SHIFT, %eax
	leaq	ap_stacks(%rip), %rsp
	addq	%rax, %rsp
	pushq	$0x10
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:	call	ap_main				/* does not return */
2:	cli
	hlt
	jmp	2b

	.section .ap_stacks, "aw", @nobits
	.balign	4096
	.globl	ap_stacks
ap_stacks:
	.space	AP_STACKS << AP_STACK_SHIFT
