/* commands.h - the serial shell: line editing and the command table. */
#ifndef PROBE_COMMANDS_H
#define PROBE_COMMANDS_H

#include "io.h"

#define PROMPT		"probe> "
#define LINE_MAX	128	/* longer input is ignored (not echoed) */

struct command {
	const char *name;	/* first word of the line */
	const char *help;	/* one line for `help` */
	void (*run)(const char *args);	/* args: rest of the line, leading spaces skipped */
};

void shell_prompt(void);
void poweroff(void);		/* the `poweroff` command: "powering off", ACPI S5 */
NORETURN void shell_run(void);	/* read lines and run commands, forever */

#endif
