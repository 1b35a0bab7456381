/* main.c - Hotvisor probe guest: boot report, then the serial shell. */
#include "io.h"
#include "serial.h"
#include "interrupts.h"
#include "bootparams.h"
#include "commands.h"

NORETURN void main(const u8 *bp);

void main(const u8 *bp)
{
	debug_mark(MARK_MAIN);
	con_puts("Hotvisor probe guest 0.1\r\n");
	debug_mark(MARK_BANNER);

	bootparams_init(bp);
	bootparams_print();

	irq_init();
	serial_init();
	shell_prompt();
	debug_mark(MARK_PROMPT);
	shell_run();
}
