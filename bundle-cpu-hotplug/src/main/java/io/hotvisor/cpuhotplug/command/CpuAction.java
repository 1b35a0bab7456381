package io.hotvisor.cpuhotplug.command;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * Base of the cpu:* commands that add and remove CPUs. Karaf offers them while this bundle's
 * {@link CpuHotplug} service runs; without it (bundle stopped, or the GED it needs) they are gone,
 * and {@code device:add VM host-x86_64-cpu ...} says which feature to install or start.
 */
public abstract class CpuAction extends VmAction {
    @Reference
    CpuHotplug hotplug;
}
