/* main.c - Hotvisor probe guest: boot report, ACPI walk, SMP bring-up, GED, then the serial shell. */
#include "io.h"
#include "serial.h"
#include "interrupts.h"
#include "bootparams.h"
#include "acpi.h"
#include "smp.h"
#include "commands.h"
#include "pvh.h"
#include "ged.h"
#include "abuse.h"

NORETURN void main(const u8 *bp);

void main(const u8 *bp)
{
	debug_mark(MARK_MAIN);
	serial_early_init();
	con_puts("Hotvisor probe guest 0.1\r\n");
	pvh_print();

	bootparams_init(bp);
	bootparams_print();
	acpi_walk();
	debug_mark(MARK_BANNER);

	irq_init();
	smp_boot();
	ged_init();
	serial_init();
	abuse_boot();
	shell_prompt();
	debug_mark(MARK_PROMPT);
	shell_run();
}
