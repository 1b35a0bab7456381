/**
 * Host network back ends for device bundles: TAP interfaces the core opens and owns
 * ({@link io.hotvisor.vmm.api.net.HostNetwork}).
 */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.api.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
