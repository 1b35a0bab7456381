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
int s5_possible(void);		/* the FADT has a sleep control register the probe can write */
void s5_write(void);		/* one S5 request (SLP_TYP 5 | SLP_EN) to it; needs s5_possible() */

/* Argument parsing for commands. */
int word_is(const char *s, const char *w);	/* s starts with the word w (then a blank or the end) */
const char *next_word(const char *s);		/* past the first word of s and the blanks after it */
u64 parse_dec(const char *s, u64 def);		/* the decimal number s starts with, else def */
NORETURN void shell_run(void);	/* read lines and run commands, forever */

#endif
