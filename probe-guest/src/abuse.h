/* abuse.h - a guest that misbehaves on purpose, for the VMM's robustness tests. */
#ifndef PROBE_ABUSE_H
#define PROBE_ABUSE_H

void abuse(const char *args);	/* the `abuse MODE [ARGS]` command */
void abuse_boot(void);		/* `probe.abuse=MODE` on the command line: run MODE with its defaults */

#endif
