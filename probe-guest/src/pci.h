/* pci.h - bus 0 through ECAM (the MCFG that acpi_walk() found): enumerate and size BARs. */
#ifndef PROBE_PCI_H
#define PROBE_PCI_H

#include "io.h"

void pci_list(void);	/* one "pci SS.F VVVV:DDDD class CCCCCC" line per function, then its BARs */
int pci_find(u16 vendor, u16 device);		/* bus 0 slot of the first match (function 0), or -1 */
u32 pci_read32(unsigned slot, unsigned reg);	/* function 0; reg rounded down to a dword */
void pci_write32(unsigned slot, unsigned reg, u32 v);

#endif
