/* serial.c - COM1 console. */
#include "serial.h"
#include "interrupts.h"
#include "ged.h"

#define UART_RBR	0	/* receive buffer (read, DLAB=0) */
#define UART_THR	0	/* transmit holding (write, DLAB=0) */
#define UART_IER	1
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define IER_RDA		0x01	/* received data available interrupt */
#define MCR_OUT2	0x08	/* gates the UART interrupt line */

#define FCR_ENABLE	0x01	/* FIFOs on (receive trigger level 1) */
#define IIR_FIFOS	0xc0	/* both set: the FIFOs are on (a 16550A) */

static u8 tx_burst = 1;		/* bytes per THRE: 16 with the FIFO on */
static u8 tx_room;		/* bytes the transmitter takes before the next LSR poll */
static volatile u32 con_lock_word;

void serial_early_init(void)
{
	outb(COM1 + UART_FCR, FCR_ENABLE);
	if ((inb(COM1 + UART_IIR) & IIR_FIFOS) == IIR_FIFOS)
		tx_burst = 16;
}

/* THRE with the FIFO on means the whole 16-byte FIFO is empty. */
void con_putc(char c)
{
	if (!tx_room) {
		while (!(inb(COM1 + UART_LSR) & LSR_THRE))
			;
		tx_room = tx_burst;
	}
	tx_room--;
	outb(COM1 + UART_THR, (u8)c);
}

void con_lock(void)
{
	while (__atomic_exchange_n(&con_lock_word, 1, __ATOMIC_ACQUIRE))
		while (con_lock_word)
			cpu_relax();
}

void con_unlock(void)
{
	__atomic_store_n(&con_lock_word, 0, __ATOMIC_RELEASE);
}

void con_write(const char *s, size_t n)
{
	while (n--)
		con_putc(*s++);
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

static const char hexdig[] = "0123456789abcdef";

void con_hex_width(u64 v, int digits)
{
	char buf[16];
	int i;

	for (i = digits - 1; i >= 0; i--) {
		buf[i] = hexdig[v & 0xf];
		v >>= 4;
	}
	con_write(buf, (size_t)digits);
}

void con_hex(u64 v)
{
	int digits = 1;

	while (digits < 16 && (v >> (4 * digits)))
		digits++;
	con_hex_width(v, digits);
}

void con_dec(u64 v)
{
	char buf[20];
	int i = 20;

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	con_write(buf + i, (size_t)(20 - i));
}

/* Receive ring: single producer (serial_irq), single consumer (main loop). */
static volatile u8 rx_buf[256];
static volatile u8 rx_head, rx_tail;

void serial_irq(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		u8 c = inb(COM1 + UART_RBR);
		if ((u8)(rx_head + 1) != rx_tail) {	/* drop on overflow */
			rx_buf[rx_head] = c;
			rx_head++;
		}
	}
	lapic_eoi();
}

void serial_init(void)
{
	outb(COM1 + UART_IER, IER_RDA);
	outb(COM1 + UART_MCR, MCR_OUT2);
}

int serial_getc_wait(void)
{
	for (;;) {
		cli();
		if (ged_pending()) {	/* GED events are handled here, outside the interrupt */
			sti();
			ged_process();
			continue;
		}
		if (rx_head != rx_tail) {
			u8 c = rx_buf[rx_tail];
			rx_tail++;
			sti();
			return c;
		}
		/* STI's one-instruction shadow makes "check, then sleep" race-free. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}
