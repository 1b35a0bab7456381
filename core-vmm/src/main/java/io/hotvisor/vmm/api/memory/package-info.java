/**
 * Guest memory that changes while a VM runs: memory backends created and deleted by id, as QMP's
 * {@code object-add} names them ({@link io.hotvisor.vmm.api.memory.MemoryBackends}), regions
 * plugged into the machine's hotplug region and unplugged again
 * ({@link io.hotvisor.vmm.api.memory.VmMemory}), and listeners told of both (VFIO DMA maps,
 * virtio).
 */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.api.memory;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
