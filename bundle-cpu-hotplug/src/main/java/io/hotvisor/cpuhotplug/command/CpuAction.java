package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.CpuHotplug;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * Base of the cpu:* commands. They live in the core so that they stay when the CPU hotplug
 * bundle is stopped or updated, and then say so instead of disappearing.
 */
public abstract class CpuAction extends VmAction {
    @Reference(optional = true)
    CpuHotplug hotplug;

    CpuHotplug hotplug() {
        if (hotplug == null) {
            throw new CapabilityMissingException(CpuHotplug.CAPABILITY);
        }
        return hotplug;
    }
}
