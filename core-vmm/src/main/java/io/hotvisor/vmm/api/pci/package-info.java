/**
 * The PCI device SPI: what a device bundle implements ({@link io.hotvisor.vmm.api.pci.PciDevice})
 * and what the core gives it: a config space with the PCI write semantics
 * ({@link io.hotvisor.vmm.api.pci.PciConfiguration}), BARs the core allocates and maps, MSI and MSI-X
 * ({@link io.hotvisor.vmm.api.pci.MsixCapability}), INTx, and a place on the VM's bus
 * ({@link io.hotvisor.vmm.api.pci.PciBus}), on which a hotplug capability lets devices come and go
 * while the guest runs ({@link io.hotvisor.vmm.api.pci.PciHotplugController}).
 */
@Export
@Version("0.3.0")
package io.hotvisor.vmm.api.pci;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
