package io.hotvisor.vmm.api.virtio;

import java.util.List;

/**
 * A virtio device model, as a device bundle writes it; the core's {@link VirtioPciTransport}
 * puts it on the PCI bus (virtio 1.2 §4.1, modern only). Queue work runs on the VM's I/O thread,
 * one call at a time, never on a vCPU thread.
 */
public interface VirtioDevice {
    /** The virtio device id (§5): 1 network, 2 block, 3 console, 4 entropy, ... */
    int deviceType();

    /** PCI class code as 0xCCSSPP (e.g. 0x010000 for a block device, 0x00ff00 for "other"). */
    int pciClass();

    /** The device-specific feature bits it offers; the transport adds VERSION_1, EVENT_IDX and INDIRECT_DESC. */
    long features();

    /** The largest size of each of its queues (powers of two). */
    List<Integer> queueMaxSizes();

    /** Size of its device configuration structure in bytes (0 for none). */
    int configSize();

    /** The driver reads the device configuration structure. */
    void readConfig(int offset, byte[] data);

    /** The driver writes it; most fields are read-only, so the default ignores writes. */
    default void writeConfig(int offset, byte[] data) {
    }

    /**
     * The driver set DRIVER_OK: start serving. {@code queues} gives the enabled queues, guest
     * memory, the negotiated features and the way to interrupt the driver.
     */
    void activate(VirtioQueues queues);

    /** The driver kicked queue {@code index} (on the I/O thread). */
    void queueNotified(int index);

    /** The driver reset the device, or it is leaving the bus: stop using the queues and forget them. */
    void reset();

    /** The device is leaving the bus for good: close its backend. */
    default void close() {
    }
}
