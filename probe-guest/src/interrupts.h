/* interrupts.h - IDT, exceptions, 8259 PIC masking, local APIC, IOAPIC. */
#ifndef PROBE_INTERRUPTS_H
#define PROBE_INTERRUPTS_H

#include "io.h"

#define KERNEL_CS	0x10

#define LAPIC_BASE	0xfee00000UL
#define LAPIC_ID	0x20
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define VEC_SPURIOUS	0xff
#define VEC_GED		0x25		/* IOAPIC pin 5 (ged.c) */
#define VEC_WAKE	0x26		/* IPI that wakes an idle AP (smp.c): EOI only */

#define IOAPIC_BASE	0xfec00000UL
#define IOAPIC_REGSEL	0x00
#define IOAPIC_WIN	0x10
#define IOAPIC_REDTBL(pin)	(0x10 + 2 * (pin))	/* low dword; high = +1 */

/* Stack layout built by isr.S for exceptions (lowest address first). */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;		/* pushed by the CPU */
};

void idt_init(void);				/* called by startup_64 */
void idt_load(void);				/* lidt only (APs share the IDT) */
void idt_set_gate(u8 vector, void (*stub)(void));
void irq_init(void);				/* mask PICs, enable LAPIC, route COM1 to this CPU */
void lapic_enable(void);			/* IA32_APIC_BASE enable bit, SVR */
void ioapic_route(u8 pin, u8 vector, u8 apic_id);	/* fixed, edge, active-high */
void lapic_eoi(void);
void exception_handler(struct exc_frame *f);	/* called by isr.S */

/* isr.S */
extern char exc_stubs[];			/* 32 stubs, 16 bytes apart */
void serial_irq_stub(void);
void ged_irq_stub(void);
void wake_irq_stub(void);
void virtio_irq_stub(void);
void spurious_stub(void);

#endif
