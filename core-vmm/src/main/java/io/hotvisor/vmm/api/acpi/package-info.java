/**
 * An AML encoder: small immutable values ({@link io.hotvisor.vmm.api.acpi.Aml}) that encode
 * themselves, composed through the factory methods of {@link io.hotvisor.vmm.api.acpi.Asl} and
 * {@link io.hotvisor.vmm.api.acpi.Resources}. Capability bundles use it to contribute DSDT content.
 * Terms are meant for tables of revision 2 or later (64-bit integers, {@code Ones} is all 64 bits).
 */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.api.acpi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
