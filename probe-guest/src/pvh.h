/* pvh.h - the PVH entry (pvh_head.S, pvh.c). */
#ifndef PROBE_PVH_H
#define PROBE_PVH_H

/* After a PVH boot: "boot: pvh start_info 0x<addr> version <v> memmap <n> modules <m>". */
void pvh_print(void);

#endif
