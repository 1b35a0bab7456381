/*
 * head64.S - protected-mode entry points, linked at 0x100000.
 *
 *   0x100000  32-bit entry (code32_start): unused, parks the CPU.
 *   0x100200  64-bit entry (startup_64): the VMM jumps here in long mode with
 *             paging on (low 4 GiB identity mapped), interrupts off, and
 *             RSI = &boot_params.
 */
#define KERNEL_CS	0x10
#define KERNEL_DS	0x18

	.section .head.text, "ax"

	.code32
	.globl	startup_32
startup_32:
1:	cli
	hlt
	jmp	1b

	.code64
	.org	0x200
	.globl	startup_64
startup_64:
	cli
	cld
	/* Our own GDT (same selectors as the boot GDT), so nothing depends on
	 * the VMM's low-memory GDT staying intact. */
	lgdt	gdt_desc(%rip)
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	boot_stack_top(%rip), %rsp
	pushq	$KERNEL_CS
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:
	/* Zero .bss (8-byte aligned and sized, see link.ld; the stack is not
	 * in it, so this is short).  RSI (boot_params) is preserved. */
	leaq	__bss_start(%rip), %rdi
	movl	$__bss_qwords, %ecx
	xorl	%eax, %eax
	rep stosq

	movq	%rsi, %rbx		/* keep &boot_params in a callee-saved reg */
	call	idt_init
	movq	%rbx, %rdi		/* main(struct boot_params *) */
	call	main
3:	cli
	hlt
	jmp	3b

	.section .rodata
	.balign	8
gdt:
	.quad	0			/* 0x00 null */
	.quad	0			/* 0x08 unused */
	.quad	0x00af9b000000ffff	/* 0x10 code: 64-bit, present, DPL0 */
	.quad	0x00cf93000000ffff	/* 0x18 data: flat, writable */
gdt_end:
	.balign	8
	.word	0			/* pad so the descriptor's base is 8-aligned */
	.globl	gdt_desc		/* also loaded by APs (trampoline.S) */
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.section .stack, "aw", @nobits
	.balign	16
	.space	16384
	.globl	boot_stack_top
boot_stack_top:
