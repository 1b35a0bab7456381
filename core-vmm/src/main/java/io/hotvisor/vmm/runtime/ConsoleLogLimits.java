package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.VmException;

/**
 * How much of a VM's console output is kept on disk: {@code console.log} grows to
 * {@code maxBytes}, then becomes {@code console.log.1} (the older ones moving up to
 * {@code console.log.<files-1>}, the oldest dropped). A guest that floods its console costs
 * {@code maxBytes × files} of disk, never the filesystem that holds the other VMs' data.
 */
public record ConsoleLogLimits(long maxBytes, int files) {
    public static final ConsoleLogLimits DEFAULT = new ConsoleLogLimits(10L << 20, 2);

    public ConsoleLogLimits {
        if (maxBytes < 1) {
            throw new VmException("console log size must be at least 1 byte, not " + maxBytes);
        }
        if (files < 1) {
            throw new VmException("console log files must be at least 1, not " + files);
        }
    }
}
