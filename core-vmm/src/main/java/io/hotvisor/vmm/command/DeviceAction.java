package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.command.support.VmAction;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * Base of the device:* commands. They go through the device manager, as QMP and JMX do, so a
 * driver any bundle registers can be added from the shell at once.
 */
public abstract class DeviceAction extends VmAction {
    @Reference
    DeviceManager devices;
}
