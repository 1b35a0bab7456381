/**
 * Virtio 1.x for device bundles: split virtqueues that validate everything the driver wrote
 * ({@link io.hotvisor.vmm.api.virtio.Virtqueue}), the descriptor chains they hand out, and the
 * error that marks a device {@code NEEDS_RESET} when a driver breaks the rules.
 */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.api.virtio;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
