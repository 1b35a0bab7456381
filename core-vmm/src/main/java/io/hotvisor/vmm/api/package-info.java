/** The core API that capability bundles and frontends use: VMs, their manager and their parts. */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
