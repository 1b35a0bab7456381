package io.hotvisor.pci.hotplug;

import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciHotplugController;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state behind one machine's PHPR register block: slots with a device check or an eject
 * request for the guest to pick up, and slots whose eject the host asked for. It decides and
 * records; {@link Actions} carries the decisions out (the GED interrupt, taking a device off the
 * bus), so it can be tested without a VM. The guest may write anything: nothing it writes throws
 * out of here, and a write to another segment or to slot 0 (the host bridge) does nothing.
 */
final class PhprController implements MmioDevice, PciHotplugController {
    /** What the controller asks of the VM. */
    interface Actions {
        /** Raise the GED's PCI event: the guest's PCNT reads PCIU and PCID. */
        void notifyGuest();

        /**
         * The guest released the device in {@code slot}: take it off the bus. {@code requested}
         * says whether the host had asked (false: the guest ejected it on its own, as QEMU allows).
         */
        void ejected(int slot, boolean requested);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PhprController.class);
    /** Slot 0 holds the host bridge, which nobody plugs or ejects. */
    private static final int DEVICE_SLOTS = ~1;

    private final Actions actions;
    private int added;
    private int removing;
    /** Slots whose eject the host asked for and the guest has not done yet. */
    private int ejectRequested;
    private int segment;

    PhprController(Actions actions) {
        this(actions, new PhprState(PhprState.VERSION, 0, 0, 0, 0));
    }

    PhprController(Actions actions, PhprState state) {
        if (state.version() != PhprState.VERSION) {
            throw new IllegalArgumentException("PCI hotplug state version " + state.version() + " is not "
                    + PhprState.VERSION);
        }
        this.actions = actions;
        this.added = state.added();
        this.removing = state.removing();
        this.ejectRequested = state.ejectRequested();
        this.segment = state.segment();
    }

    synchronized PhprState state() {
        return new PhprState(PhprState.VERSION, added, removing, ejectRequested, segment);
    }

    /** Whether the guest was asked to eject {@code slot} and has not yet (never for slot 0, the host bridge). */
    synchronized boolean removalPending(int slot) {
        return slot > 0 && slot < PciAddress.SLOTS_PER_BUS && (ejectRequested & 1 << slot) != 0;
    }

    @Override
    public void deviceAdded(int slot) {
        synchronized (this) {
            added |= bit(slot);
        }
        actions.notifyGuest();
    }

    @Override
    public void removalRequested(int slot) {
        synchronized (this) {
            if ((ejectRequested & bit(slot)) != 0) {
                throw new VmException("the removal of the device in slot " + slot + " is already pending");
            }
            ejectRequested |= bit(slot);
            removing |= bit(slot);
        }
        actions.notifyGuest();
    }

    private static int bit(int slot) {
        if (slot < 1 || slot >= PciAddress.SLOTS_PER_BUS) {
            throw new IllegalArgumentException("PCI slot " + slot + " cannot be hot-plugged");
        }
        return 1 << slot;
    }

    /** Dword registers; other sizes and offsets read as all ones, as an absent register would. */
    @Override
    public void read(long offset, byte[] data) {
        int value = data.length == 4 ? readRegister(offset) : -1;
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    private synchronized int readRegister(long offset) {
        if (segment != 0 && offset != PhprRegisters.PSEG) {
            return 0;
        }
        if (offset == PhprRegisters.PCIU) {
            int bits = added;
            added = 0;
            return bits;
        }
        if (offset == PhprRegisters.PCID) {
            int bits = removing;
            removing = 0;
            return bits;
        }
        return offset == PhprRegisters.PSEG ? segment : offset == PhprRegisters.B0EJ ? 0 : -1;
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length != 4) {
            return;
        }
        int value = MmioDevice.littleEndian(data);
        int ejected;
        int requested;
        synchronized (this) {
            if (offset == PhprRegisters.PSEG) {
                segment = value;
                return;
            }
            if (offset != PhprRegisters.B0EJ || segment != 0) {
                return;
            }
            ejected = value & DEVICE_SLOTS;
            requested = ejectRequested & ejected;
            ejectRequested &= ~ejected;
        }
        for (int slot = 1; slot < PciAddress.SLOTS_PER_BUS; slot++) {
            if ((ejected & 1 << slot) != 0) {
                try {
                    actions.ejected(slot, (requested & 1 << slot) != 0);
                } catch (RuntimeException e) {
                    // The guest's access must complete whatever the host side made of it.
                    LOG.warn("PCI hotplug: taking slot {} off the bus failed", slot, e);
                }
            }
        }
    }
}
