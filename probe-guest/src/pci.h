/* pci.h - bus 0 through ECAM (the MCFG that acpi_walk() found): enumerate and size BARs. */
#ifndef PROBE_PCI_H
#define PROBE_PCI_H

void pci_list(void);	/* one "pci SS.F VVVV:DDDD class CCCCCC" line per function, then its BARs */

#endif
