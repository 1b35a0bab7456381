package io.hotvisor.vmm.pci;

import io.hotvisor.vmm.acpi.PciHostBridge;
import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciHotplugController;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.memory.AddressAllocator;
import io.hotvisor.vmm.memory.DeviceMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.IntFunction;

/**
 * Bus 0 of segment 0 behind the PCIe host bridge, as Cloud Hypervisor's {@code pci_segment}: its
 * slots, its configuration access (ECAM and ports 0xCF8-0xCFF), the BAR windows it allocates from
 * and the INTx lines its {@code _PRT} names. The host bridge function occupies slot 0.
 */
public final class PciRootBus implements PciBus, AutoCloseable {
    /** I/O BARs come from the top quarter of the port space, away from legacy devices (as QEMU). */
    public static final long IO_WINDOW_START = 0xC000;
    public static final long IO_WINDOW_SIZE = 0x4000;

    private final PciHostBridge bridge;
    private final IoBus<MmioDevice> mmio;
    private final IoBus<PioDevice> pio;
    private final AddressAllocator mmio32;
    private final AddressAllocator mmio64;
    private final AddressAllocator io;
    private final IntFunction<InterruptLine> gsiLines;
    private final DeviceMemory deviceMemory;
    private final BusSlot[] slots = new BusSlot[PciAddress.SLOTS_PER_BUS];
    /** Per INTx GSI, the slots (a bit each) that assert it: a shared level-triggered line. */
    private final int[] intxAsserters = new int[PciHostBridge.INTX_GSIS];
    private volatile PciHotplugController hotplug;
    private volatile boolean guestRunning;

    /**
     * Registers the configuration access on the buses and puts the host bridge in slot 0.
     *
     * @param gsiLines     the irqchip input for a GSI
     * @param deviceMemory KVM slots for the host memory devices map into their BARs
     */
    public PciRootBus(PciHostBridge bridge, IoBus<MmioDevice> mmio, IoBus<PioDevice> pio,
                      IntFunction<InterruptLine> gsiLines, DeviceMemory deviceMemory) {
        this.bridge = bridge;
        this.mmio = mmio;
        this.pio = pio;
        this.gsiLines = gsiLines;
        this.deviceMemory = deviceMemory;
        this.mmio32 = new AddressAllocator("32-bit PCI MMIO window", bridge.mmio32Window().base(),
                bridge.mmio32Window().size());
        this.mmio64 = new AddressAllocator("64-bit PCI MMIO window", bridge.mmio64Window().base(),
                bridge.mmio64Window().size());
        this.io = new AddressAllocator("PCI I/O window", IO_WINDOW_START, IO_WINDOW_SIZE);
        mmio.register(bridge.ecamInUse().base(), bridge.ecamInUse().size(), new Ecam(this));
        pio.register(ConfigPorts.ADDRESS_PORT, ConfigPorts.PORTS, new ConfigPorts(this));
        plug(new HostBridgeFunction(), OptionalInt.of(0));
    }

    /**
     * Places the device; while the guest runs, only with a hotplug controller attached, which then
     * tells the guest (outside the bus lock: the controller raises an interrupt, and its guest-side
     * handler takes devices off the bus).
     */
    @Override
    public PciSlot plug(PciDevice device, OptionalInt requested) {
        PciHotplugController controller = guestRunning ? hotplug : null;
        if (!acceptsPlug()) {
            throw new VmException("not supported: the guest runs and its PCI bus has no hotplug controller,"
                    + " so it would not see the device");
        }
        PciSlot placed = place(device, requested);
        if (controller != null) {
            controller.deviceAdded(placed.address().slot());
        }
        return placed;
    }

    private synchronized PciSlot place(PciDevice device, OptionalInt requested) {
        int slot = requested.isPresent() ? requested.getAsInt() : firstFreeSlot();
        if (slot < 0 || slot >= slots.length) {
            throw new VmException("PCI slot " + slot + " does not exist (bus 0 has slots 0-" + (slots.length - 1) + ")");
        }
        if (slots[slot] != null) {
            throw new VmException("PCI slot " + slot + " (" + PciAddress.bus0(slot) + ") is already in use");
        }
        long[] addresses = allocateBars(device.configuration().bars());
        BusSlot placed;
        try {
            placed = new BusSlot(this, PciAddress.bus0(slot), device, addresses);
        } catch (RuntimeException e) {
            device.configuration().bars().forEach(bar -> window(bar).free(addresses[bar.index()]));
            throw e;
        }
        slots[slot] = placed;
        try {
            device.plugged(placed);
        } catch (RuntimeException e) {
            remove(placed);
            throw e;
        }
        return placed;
    }

    private int firstFreeSlot() {
        for (int slot = 1; slot < slots.length; slot++) {
            if (slots[slot] == null) {
                return slot;
            }
        }
        throw new VmException("PCI bus 0 is full: all " + (slots.length - 1) + " device slots are in use");
    }

    /** Every BAR, or none: a window that is full leaves nothing allocated. */
    private long[] allocateBars(List<PciBar> bars) {
        long[] addresses = new long[PciBar.COUNT];
        List<PciBar> done = new ArrayList<>();
        try {
            for (PciBar bar : bars) {
                addresses[bar.index()] = window(bar).allocate(bar.size(), bar.size());
                done.add(bar);
            }
        } catch (VmException e) {
            done.forEach(bar -> window(bar).free(addresses[bar.index()]));
            throw e;
        }
        return addresses;
    }

    private AddressAllocator window(PciBar bar) {
        return switch (bar.kind()) {
            case IO -> io;
            case MEMORY_32 -> mmio32;
            case MEMORY_64 -> mmio64;
        };
    }

    /** The vCPUs run: from now on the guest must hear of every device that comes or goes. */
    public void guestStarted() {
        guestRunning = true;
    }

    @Override
    public Registration attachHotplug(PciHotplugController controller) {
        synchronized (this) {
            if (hotplug != null) {
                throw new VmException("the PCI bus already has a hotplug controller");
            }
            hotplug = controller;
        }
        return () -> {
            synchronized (this) {
                if (hotplug == controller) {
                    hotplug = null;
                }
            }
        };
    }

    @Override
    public boolean acceptsPlug() {
        return !guestRunning || hotplug != null;
    }

    @Override
    public void requestRemoval(PciSlot slot) {
        PciHotplugController controller = hotplug;
        if (controller == null) {
            throw new VmException("not supported: " + slot.address() + " cannot be removed: the PCI bus has no"
                    + " hotplug controller");
        }
        synchronized (this) {
            if (slots[slot.address().slot()] != slot) {
                throw new VmException(slot.address() + " is no longer on the bus");
            }
        }
        controller.removalRequested(slot.address().slot());
    }

    @Override
    public synchronized List<PciSlot> slots() {
        List<PciSlot> occupied = new ArrayList<>();
        for (BusSlot slot : slots) {
            if (slot != null) {
                occupied.add(slot);
            }
        }
        return occupied;
    }

    /** A configuration read of any function on any bus; absent ones read as all ones. */
    synchronized void readConfig(int bus, int slot, int function, int register, byte[] data) {
        BusSlot target = function(bus, slot, function);
        if (target == null) {
            java.util.Arrays.fill(data, (byte) 0xFF);
        } else {
            target.device().readConfiguration(register, data);
        }
    }

    synchronized void writeConfig(int bus, int slot, int function, int register, byte[] data) {
        BusSlot target = function(bus, slot, function);
        if (target != null) {
            target.device().writeConfiguration(register, data);
            target.configurationChanged();
        }
    }

    private BusSlot function(int bus, int slot, int function) {
        return bus == bridge.startBus() && function == 0 ? slots[slot] : null;
    }

    synchronized void remove(BusSlot slot) {
        int number = slot.address().slot();
        if (slots[number] != slot) {
            return;
        }
        slots[number] = null;
        for (PciBar bar : slot.device().configuration().bars()) {
            window(bar).free(slot.allocatedAddress(bar.index()));
        }
    }

    /** Drives a shared INTx line: high while any slot on it asserts. A leaf lock: it calls nothing that locks. */
    void intx(int gsi, int slot, boolean asserted) {
        synchronized (intxAsserters) {
            int index = gsi - PciHostBridge.INTX_FIRST_GSI;
            int before = intxAsserters[index];
            int after = asserted ? before | 1 << slot : before & ~(1 << slot);
            intxAsserters[index] = after;
            if ((before == 0) != (after == 0)) {
                gsiLines.apply(gsi).set(after != 0);
            }
        }
    }

    IoBus<MmioDevice> mmio() {
        return mmio;
    }

    IoBus<PioDevice> pio() {
        return pio;
    }

    DeviceMemory deviceMemory() {
        return deviceMemory;
    }

    /** Takes every device off the bus (the machine is closing) and the configuration access off the buses. */
    @Override
    public void close() {
        for (PciSlot slot : slots()) {
            slot.close();
        }
        mmio.unregister(bridge.ecamInUse().base());
        pio.unregister(ConfigPorts.ADDRESS_PORT);
    }
}
