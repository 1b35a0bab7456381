/* serial.h - COM1 (16550 at 0x3F8): polled output, interrupt-driven input. */
#ifndef PROBE_SERIAL_H
#define PROBE_SERIAL_H

#include "io.h"

#define COM1		0x3f8
#define COM1_GSI	4	/* IOAPIC pin */
#define VEC_SERIAL	0x24

void con_putc(char c);
void con_puts(const char *s);
void con_write(const char *s, size_t n);
void con_hex(u64 v);			/* lowercase, no leading zeros, no "0x" */
void con_hex_width(u64 v, int digits);	/* zero-padded to `digits` */
void con_dec(u64 v);
/* Several CPUs print (APs at start-up): take the lock around a whole line. */
void con_lock(void);
void con_unlock(void);

void serial_early_init(void);	/* enable the 16-byte FIFOs: one LSR poll per 16 bytes */

void serial_init(void);		/* enable the receive interrupt (IER, OUT2) */
int serial_getc_wait(void);	/* sleeps (sti; hlt) until a byte is buffered; runs GED events meanwhile */
void serial_irq(void);		/* vector VEC_SERIAL handler, called from isr.S */

#endif
