/*
 * isr.S - interrupt and exception entry stubs.
 *
 * Every stub saves all 15 general registers, so C handlers may clobber
 * anything.  The CPU aligns RSP to 16 before pushing its 40-byte frame, so
 * after 15 pushes (plus vector/error for exceptions) RSP is 16-aligned again
 * at the `call`, as the SysV ABI requires.
 */
	.text

.macro	PUSH_REGS
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro	POP_REGS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
.endm

/*
 * Exceptions 0-31: one 16-byte stub per vector (idt_init computes
 * exc_stubs + 16 * n).  Vectors without a CPU error code push a dummy 0, so
 * the frame (struct exc_frame in interrupts.h) is always the same.
 */
.macro	EXC_STUB n
	.balign	16
.if !((\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
	pushq	$0
.endif
	pushq	$\n
	jmp	exc_common
.endm

	.balign	16
	.globl	exc_stubs
exc_stubs:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_STUB \n
	.endr

exc_common:
	PUSH_REGS
	movq	%rsp, %rdi
	call	exception_handler	/* does not return */
1:	cli
	hlt
	jmp	1b

/* Device interrupts: IRQ_STUB stub_name, c_function (c_function does EOI). */
.macro	IRQ_STUB name, handler
	.balign	16
	.globl	\name
\name:
	PUSH_REGS
	call	\handler
	POP_REGS
	iretq
.endm

	IRQ_STUB serial_irq_stub, serial_irq
	IRQ_STUB ged_irq_stub, ged_irq
	IRQ_STUB virtio_irq_stub, virtio_irq
	IRQ_STUB wake_irq_stub, lapic_eoi	/* VEC_WAKE: the AP's idle loop looks at its stop flag */

	/* Vector 0xFF, the LAPIC spurious vector: no EOI, nothing to do. */
	.balign	16
	.globl	spurious_stub
spurious_stub:
	iretq
