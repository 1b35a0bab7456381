/* interrupts.c - IDT, exceptions and interrupt controller setup. */
#include "interrupts.h"
#include "virtio_rng.h"
#include "serial.h"

struct idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;	/* 0x8E: present, DPL 0, 64-bit interrupt gate (clears IF) */
	u16 off_mid;
	u32 off_hi;
	u32 reserved;
} __attribute__((packed));

/* In .data, not .bss: zeroing 4 KiB at boot costs guest instructions, loading
 * it from the image costs nothing. Absent vectors are not-present (-> #NP). */
static struct idt_gate idt[256] __attribute__((section(".data"), aligned(16)));

static struct {
	u16 limit;
	u64 base;
} __attribute__((packed)) idt_desc = { sizeof(idt) - 1, (u64)idt };

void idt_set_gate(u8 vector, void (*stub)(void))
{
	u64 a = (u64)stub;
	struct idt_gate *g = &idt[vector];

	g->off_lo = (u16)a;
	g->sel = KERNEL_CS;
	g->ist = 0;
	g->type = 0x8e;
	g->off_mid = (u16)(a >> 16);
	g->off_hi = (u32)(a >> 32);
}

void idt_load(void)
{
	__asm__ volatile("lidt %0" : : "m"(idt_desc));
}

void idt_init(void)
{
	for (int v = 0; v < 32; v++)
		idt_set_gate((u8)v, (void (*)(void))(exc_stubs + 16 * v));
	idt_set_gate(VEC_SERIAL, serial_irq_stub);
	idt_set_gate(VEC_GED, ged_irq_stub);
	idt_set_gate(VEC_WAKE, wake_irq_stub);
	idt_set_gate(VEC_VIRTIO, virtio_irq_stub);
	idt_set_gate(VEC_SPURIOUS, spurious_stub);
	idt_load();
}

void exception_handler(struct exc_frame *f)
{
	u64 cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	con_puts("\r\nexception ");
	con_dec(f->vector);
	con_puts(" rip=0x");
	con_hex(f->rip);
	con_puts("\r\n  error=0x");
	con_hex(f->error);
	con_puts(" cr2=0x");
	con_hex(cr2);
	con_puts(" rsp=0x");
	con_hex(f->rsp);
	con_puts("\r\n");
	halt_forever();
}

void lapic_eoi(void)
{
	mmio_write32(LAPIC_BASE + LAPIC_EOI, 0);
}

static void ioapic_write(u8 reg, u32 v)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	mmio_write32(IOAPIC_BASE + IOAPIC_WIN, v);
}

void ioapic_route(u8 pin, u8 vector, u8 apic_id)
{
	/* High dword first (destination), then the low dword unmasks. */
	ioapic_write(IOAPIC_REDTBL(pin) + 1, (u32)apic_id << 24);
	ioapic_write(IOAPIC_REDTBL(pin), vector);	/* fixed, physical, high, edge, unmasked */
}

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_ENABLE	(1UL << 11)

/* Every CPU: after INIT its LAPIC is software-disabled and drops fixed interrupts. */
void lapic_enable(void)
{
	u64 apic_base = rdmsr(MSR_APIC_BASE);

	if (!(apic_base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, apic_base | APIC_BASE_ENABLE);
	mmio_write32(LAPIC_BASE + LAPIC_SVR, 0x100 | VEC_SPURIOUS);
}

void irq_init(void)
{
	outb(0x21, 0xff);	/* mask the master 8259 */
	outb(0xa1, 0xff);	/* mask the slave 8259 */

	lapic_enable();
	ioapic_route(COM1_GSI, VEC_SERIAL, (u8)(mmio_read32(LAPIC_BASE + LAPIC_ID) >> 24));	/* to us, the BSP */
}
