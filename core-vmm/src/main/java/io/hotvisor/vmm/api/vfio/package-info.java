/**
 * Host PCI devices assigned to a guest through the kernel's VFIO uAPI, as the core opens them
 * ({@link io.hotvisor.vmm.api.vfio.HostVfio}): the device's regions, its interrupts as eventfds,
 * mappings of its BARs, and DMA maps of guest RAM in its IOMMU container. The fds and mappings
 * belong to the core; a device bundle drives them.
 */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.api.vfio;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
