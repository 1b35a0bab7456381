/**
 * What shell commands of capability bundles share with the core's: the base of commands that act
 * on one VM, its name completer, and options after arguments.
 */
@Export
@Version("0.1.0")
package io.hotvisor.vmm.command.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
