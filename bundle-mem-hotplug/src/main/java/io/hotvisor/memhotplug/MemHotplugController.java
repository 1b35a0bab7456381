package io.hotvisor.memhotplug;

import static io.hotvisor.memhotplug.MemControllerRegisters.BASE_HIGH;
import static io.hotvisor.memhotplug.MemControllerRegisters.BASE_LOW;
import static io.hotvisor.memhotplug.MemControllerRegisters.CONTROL_CLEAR_INSERT;
import static io.hotvisor.memhotplug.MemControllerRegisters.CONTROL_CLEAR_REMOVE;
import static io.hotvisor.memhotplug.MemControllerRegisters.CONTROL_EJECT;
import static io.hotvisor.memhotplug.MemControllerRegisters.FLAGS;
import static io.hotvisor.memhotplug.MemControllerRegisters.FLAG_ENABLED;
import static io.hotvisor.memhotplug.MemControllerRegisters.FLAG_INSERT;
import static io.hotvisor.memhotplug.MemControllerRegisters.FLAG_REMOVE;
import static io.hotvisor.memhotplug.MemControllerRegisters.LENGTH;
import static io.hotvisor.memhotplug.MemControllerRegisters.LENGTH_HIGH;
import static io.hotvisor.memhotplug.MemControllerRegisters.LENGTH_LOW;
import static io.hotvisor.memhotplug.MemControllerRegisters.OST_EJECT_IN_PROGRESS;
import static io.hotvisor.memhotplug.MemControllerRegisters.OST_EJECT_REQUEST;
import static io.hotvisor.memhotplug.MemControllerRegisters.OST_EVENT;
import static io.hotvisor.memhotplug.MemControllerRegisters.OST_OSPM_EJECT;
import static io.hotvisor.memhotplug.MemControllerRegisters.OST_STATUS;
import static io.hotvisor.memhotplug.MemControllerRegisters.OST_SUCCESS;
import static io.hotvisor.memhotplug.MemControllerRegisters.SELECTOR;

import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.VmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine behind one VM's memory hotplug register block: the DIMM in each slot, its
 * enabled / insert / remove flags, which slots the VMM asked the guest to eject, OST codes. It
 * decides and records; {@link Actions} carries the decisions out (unmapping, GED interrupts,
 * events), so it can be tested without a VM. The guest may write anything: nothing it does throws
 * out of here, and it can eject only a slot the VMM marked for removal.
 */
final class MemHotplugController implements MmioDevice {
    /** What the controller asks of the VM. */
    interface Actions {
        void notifyGuest();

        /** The guest ejected a DIMM the VMM had asked it to remove; its slot is empty now. */
        void ejected(Dimm dimm);

        /** The guest reported an _OST code for a slot ({@code dimm} null if the slot is empty). */
        void ost(int slot, Dimm dimm, int event, int status);

        /** The guest refused to eject a DIMM: it stays plugged. */
        void removalRefused(Dimm dimm);
    }

    private static final Logger LOG = LoggerFactory.getLogger(MemHotplugController.class);
    private static final long LOW_HALF = 0xFFFF_FFFFL;

    private final Actions actions;
    private final int slots;
    private int selector;
    private int ostEvent;
    /** The DIMM of each slot; one that is not enabled yet is reserved by a plug in progress. */
    private final Dimm[] dimms;
    private final boolean[] enabled;
    private final boolean[] inserting;
    private final boolean[] removing;
    /** Slots the VMM asked the guest to eject: the only ones the guest may eject. */
    private final boolean[] ejectRequested;
    private final boolean[] removeFailed;

    MemHotplugController(int slots, Actions actions) {
        this.actions = actions;
        this.slots = slots;
        this.dimms = new Dimm[slots];
        this.enabled = new boolean[slots];
        this.inserting = new boolean[slots];
        this.removing = new boolean[slots];
        this.ejectRequested = new boolean[slots];
        this.removeFailed = new boolean[slots];
    }

    MemHotplugController(MemHotplugState state, Actions actions) {
        this(state.dimms().length, actions);
        if (state.version() != MemHotplugState.VERSION) {
            throw new IllegalArgumentException("memory hotplug state version " + state.version() + " is not "
                    + MemHotplugState.VERSION);
        }
        selector = state.selector();
        ostEvent = state.ostEvent();
        System.arraycopy(state.dimms(), 0, dimms, 0, slots);
        System.arraycopy(state.enabled(), 0, enabled, 0, slots);
        System.arraycopy(state.inserting(), 0, inserting, 0, slots);
        System.arraycopy(state.removing(), 0, removing, 0, slots);
        System.arraycopy(state.ejectRequested(), 0, ejectRequested, 0, slots);
        System.arraycopy(state.removeFailed(), 0, removeFailed, 0, slots);
    }

    synchronized MemHotplugState state() {
        return new MemHotplugState(MemHotplugState.VERSION, selector, ostEvent, dimms.clone(), enabled.clone(),
                inserting.clone(), removing.clone(), ejectRequested.clone(), removeFailed.clone());
    }

    int slots() {
        return slots;
    }

    // Requests from the host

    /** The DIMMs in the slots, reserved ones included, by slot. */
    synchronized List<Dimm> dimms() {
        List<Dimm> list = new ArrayList<>();
        for (Dimm dimm : dimms) {
            if (dimm != null) {
                list.add(dimm);
            }
        }
        return list;
    }

    /** The DIMMs the guest can see, by slot (not those of plugs in progress). */
    synchronized List<Dimm> enabledDimms() {
        List<Dimm> list = new ArrayList<>();
        for (int slot = 0; slot < slots; slot++) {
            if (dimms[slot] != null && enabled[slot]) {
                list.add(dimms[slot]);
            }
        }
        return list;
    }

    synchronized List<DimmStatus> list() {
        List<DimmStatus> list = new ArrayList<>();
        for (int slot = 0; slot < slots; slot++) {
            if (dimms[slot] != null) {
                list.add(new DimmStatus(dimms[slot], stateOf(slot)));
            }
        }
        return list;
    }

    private DimmState stateOf(int slot) {
        if (ejectRequested[slot]) {
            return DimmState.PENDING_REMOVE;
        }
        if (!enabled[slot] || inserting[slot]) {
            return DimmState.PENDING_ADD;
        }
        return removeFailed[slot] ? DimmState.FAILED_REMOVE : DimmState.PRESENT;
    }

    synchronized Optional<Dimm> find(String device) {
        for (Dimm dimm : dimms) {
            if (dimm != null && dimm.device().equals(device)) {
                return Optional.of(dimm);
            }
        }
        return Optional.empty();
    }

    /**
     * Reserves the slot of the DIMM that {@code placement} chooses, seeing the DIMMs there are
     * (so two plugs cannot pick the same slot or range). The guest sees an empty slot until
     * {@link #insert}.
     */
    synchronized Dimm reserve(Function<List<Dimm>, Dimm> placement) {
        Dimm dimm = placement.apply(dimms());
        if (dimms[dimm.slot()] != null) {
            throw new IllegalStateException("slot " + dimm.slot() + " is taken");
        }
        dimms[dimm.slot()] = dimm;
        return dimm;
    }

    /** Gives up a reservation whose plug failed. */
    synchronized void cancel(Dimm dimm) {
        if (dimms[dimm.slot()] == dimm && !enabled[dimm.slot()]) {
            clear(dimm.slot());
        }
    }

    /** Enables a reserved slot with an insert event and tells the guest. */
    void insert(Dimm dimm) {
        synchronized (this) {
            enabled[dimm.slot()] = true;
            inserting[dimm.slot()] = true;
        }
        actions.notifyGuest();
    }

    /** A DIMM the guest finds as it boots (boot devices, and every DIMM after a reset): enabled, no event. */
    synchronized void present(Dimm dimm) {
        dimms[dimm.slot()] = dimm;
        enabled[dimm.slot()] = true;
    }

    /** Asks the guest to eject a DIMM; it goes when the guest has. */
    void remove(String device) {
        synchronized (this) {
            Dimm dimm = find(device).orElseThrow(() -> new VmException(device + " is not a plugged DIMM"));
            int slot = dimm.slot();
            if (!enabled[slot]) {
                throw new VmException(device + " is still being plugged");
            }
            if (ejectRequested[slot]) {
                throw new VmException("the removal of " + device + " is already pending");
            }
            removing[slot] = true;
            ejectRequested[slot] = true;
            removeFailed[slot] = false;
        }
        actions.notifyGuest();
    }

    // The guest's register accesses

    /** Bytes past the block read all-ones; an empty or reserved slot reads as zeros. */
    @Override
    public synchronized void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = at >= 0 && at < LENGTH ? registerByte((int) at) : (byte) 0xFF;
        }
    }

    private byte registerByte(int at) {
        int slot = selector;
        Dimm dimm = enabled[slot] ? dimms[slot] : null;
        long base = dimm == null ? 0 : dimm.base();
        long size = dimm == null ? 0 : dimm.size();
        long value = switch (at & ~3) {
            case BASE_LOW -> base & LOW_HALF;
            case BASE_HIGH -> base >>> 32;
            case LENGTH_LOW -> size & LOW_HALF;
            case LENGTH_HIGH -> size >>> 32;
            case FLAGS -> (enabled[slot] ? FLAG_ENABLED : 0) | (inserting[slot] ? FLAG_INSERT : 0)
                    | (removing[slot] ? FLAG_REMOVE : 0);
            default -> 0; // proximity: node 0 only
        };
        return (byte) (value >>> (8 * (at & 3)));
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length == 0 || data.length > 4 || offset < 0 || offset >= LENGTH) {
            return; // the block takes 1 to 4 byte accesses, as QEMU's
        }
        int value = MmioDevice.littleEndian(data);
        Runnable after = null;
        synchronized (this) {
            switch ((int) offset) {
                case SELECTOR -> {
                    if (value >= 0 && value < slots) {
                        selector = value; // an invalid selector is ignored, so the last valid one stays
                    }
                }
                case OST_EVENT -> ostEvent = value;
                case OST_STATUS -> after = ost(value);
                case FLAGS -> after = control(value & 0xFF);
                default -> {
                    // read-only or unaligned: ignored
                }
            }
        }
        if (after != null) {
            try {
                after.run();
            } catch (RuntimeException e) {
                // The guest's access must complete whatever the host side made of it.
                LOG.warn("memory hotplug: handling a guest write at +0x{} failed", Long.toHexString(offset), e);
            }
        }
    }

    private Runnable control(int bits) {
        int slot = selector;
        if ((bits & CONTROL_CLEAR_INSERT) != 0) {
            inserting[slot] = false;
        }
        if ((bits & CONTROL_CLEAR_REMOVE) != 0) {
            removing[slot] = false;
        }
        if ((bits & CONTROL_EJECT) == 0) {
            return null;
        }
        if (!ejectRequested[slot]) {
            LOG.debug("memory hotplug: the guest ejected slot {}, which is not marked for removal: ignored", slot);
            return null;
        }
        Dimm dimm = dimms[slot];
        clear(slot);
        return () -> actions.ejected(dimm);
    }

    private Runnable ost(int status) {
        int slot = selector;
        int event = ostEvent;
        Dimm dimm = enabled[slot] ? dimms[slot] : null;
        boolean refused = ejectRequested[slot] && refusesEject(event, status);
        if (refused) {
            ejectRequested[slot] = false;
            removing[slot] = false;
            removeFailed[slot] = true;
        }
        // The device is present again before the event tells clients, who may query it at once.
        return () -> {
            if (refused) {
                actions.removalRefused(dimm);
            }
            actions.ost(slot, dimm, event, status);
        };
    }

    /** An eject request answered with a failure; Linux first says "in progress", which is none. */
    static boolean refusesEject(int event, int status) {
        return (event == OST_EJECT_REQUEST || event == OST_OSPM_EJECT) && status != OST_SUCCESS
                && status != OST_EJECT_IN_PROGRESS;
    }

    private void clear(int slot) {
        dimms[slot] = null;
        enabled[slot] = false;
        inserting[slot] = false;
        removing[slot] = false;
        ejectRequested[slot] = false;
        removeFailed[slot] = false;
    }
}
