package io.hotvisor.vmm.api.pci;

import java.util.Optional;

/**
 * A PCI function as a device bundle implements it. The core owns its place on the bus: it routes
 * the guest's configuration accesses to {@link #configuration()}, assigns the declared BARs from
 * the host bridge's windows, and while the guest has decoding enabled it routes accesses within a
 * BAR to {@link #readBar}/{@link #writeBar}. Those run on vCPU threads; the guest may send any
 * offset and size within the BAR, so validate what it writes.
 */
public interface PciDevice {
    PciConfiguration configuration();

    /**
     * The id of the {@link io.hotvisor.vmm.api.PluggedDevice} this function belongs to, so that
     * frontends can name what sits in a slot (QMP's {@code qdev_id}); empty for the machine's own
     * functions, such as the host bridge.
     */
    default Optional<String> pluggedDeviceId() {
        return Optional.empty();
    }

    /**
     * The guest reads {@code data.length} bytes (1, 2 or 4) at {@code offset} of the configuration
     * space (up to 4 KiB through ECAM). By default {@link #configuration()} answers; a device that
     * passes parts of it through to hardware (VFIO) answers those itself.
     */
    default void readConfiguration(int offset, byte[] data) {
        configuration().read(offset, data);
    }

    /** The guest writes; by default into {@link #configuration()} with its write masks. */
    default void writeConfiguration(int offset, byte[] data) {
        configuration().write(offset, data);
    }

    /** The guest reads {@code data.length} bytes (1, 2, 4 or 8) at {@code offset} within BAR {@code bar}. */
    void readBar(int bar, long offset, byte[] data);

    void writeBar(int bar, long offset, byte[] data);

    /** The device is on the bus now, at {@code slot} (its INTx line among other things). */
    default void plugged(PciSlot slot) {
    }

    /**
     * The guest enabled decoding of BAR {@code bar} at {@code address} (or moved it there): for
     * what the device attaches to addresses itself, such as ioeventfds on its notify registers.
     */
    default void barMapped(int bar, long address) {
    }

    /** BAR {@code bar} no longer decodes (decoding off, a move, or unplug). */
    default void barUnmapped(int bar) {
    }

    /**
     * The device left the bus (unplugged, or its machine closed): release what it holds, such
     * as interrupt vectors and backends. Called once.
     */
    default void removed() {
    }
}
