package io.hotvisor.pci.hotplug;

import com.google.gson.Gson;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ACPI PCI hotplug for bus 0 of every VM: contributes Cloud Hypervisor's PHPR controller, the
 * slot devices and a GED event, and attaches one {@link PhprController} to each running machine's
 * bus, through which the core's bus announces hot-added devices and asks for removals. A device
 * leaves the bus only once the guest has ejected it; DEVICE_DELETED follows. Each machine gets a
 * fresh controller (a reset rebuilds the machine, and the device manager plugs the devices again);
 * an update of this bundle hands the controller's state over through the vault.
 */
@Component(service = {MachineCapability.class, VmListener.class, PciHotplugService.class})
public final class PciHotplugService implements MachineCapability, VmListener {
    public static final String CAPABILITY = "pci-hotplug";
    /** DESIGN.md §4: the PCI hotplug controller's register page. */
    static final long REGISTER_PAGE_OFFSET = 0x3000;

    private static final Logger LOG = LoggerFactory.getLogger(PciHotplugService.class);
    private static final Gson GSON = new Gson();

    private final GedEvents ged;
    private final DeviceManager devices;
    private final Map<String, Attached> attached = new ConcurrentHashMap<>();

    private record Attached(PhprController controller, Registration onBus) {
    }

    @Activate
    public PciHotplugService(@Reference GedEvents ged, @Reference DeviceManager devices) {
        this.ged = ged;
        this.devices = devices;
    }

    @Override
    public String name() {
        return CAPABILITY;
    }

    @Override
    public Set<String> requiredCapabilities() {
        return Set.of(GedEvents.CAPABILITY);
    }

    @Override
    public void contribute(Vm vm, MachineContribution contribution) {
        contribution.dsdt(PciHotplugAml.build(contribution.registerPage(CAPABILITY, REGISTER_PAGE_OFFSET),
                fixedSlots(vm)));
        contribution.gedEvent(GedEvents.PCI, PciHotplugAml.SCAN_METHOD);
    }

    /**
     * The slots of boot devices given {@code removable=off}: their slot devices get no {@code _EJ0},
     * so the guest cannot eject them. The tables are built before the devices are plugged, so such
     * a device must name its slot.
     */
    private Set<Integer> fixedSlots(Vm vm) {
        Set<Integer> fixed = new TreeSet<>();
        for (DeviceSpec boot : vm.spec().bootDevices()) {
            boolean pci = devices.driver(boot.driver()).map(driver -> driver.bus().equals(DeviceDriver.BUS_PCI))
                    .orElse(false);
            PluggedDevice device = new PluggedDevice(boot.id(), "", boot.driver(), boot.properties(),
                    PluggedDevice.State.PRESENT);
            if (!pci || device.removable()) {
                continue;
            }
            Object addr = boot.properties().get("addr");
            if (addr == null) {
                throw new VmException("boot device " + boot.id() + " (" + boot.driver() + "): removable=off needs addr=SLOT,"
                        + " so that the ACPI tables, built before the devices are plugged, know its slot");
            }
            fixed.add(PciAddress.parseSlot(boot.driver(), addr.toString()));
        }
        return fixed;
    }

    @Override
    public void attach(Vm vm, MachineAttachment attachment) {
        PhprController.Actions actions = new VmActions(vm);
        PhprController controller = vm.vault().get(CAPABILITY)
                .map(json -> new PhprController(actions, GSON.fromJson(json, PhprState.class)))
                .orElseGet(() -> new PhprController(actions));
        attachment.handleRegisters(controller);
        attached.put(vm.name(), new Attached(controller, vm.pci().attachHotplug(controller)));
    }

    @Override
    public void detach(Vm vm, MachineAttachment attachment) {
        Attached gone = attached.remove(vm.name());
        if (gone != null) {
            gone.onBus().close();
            vm.vault().put(CAPABILITY, GSON.toJson(gone.controller().state()));
        }
    }

    @Override
    public void stateChanged(Vm vm, VmState from, VmState to) {
        if (!to.isActive()) {
            attached.remove(vm.name());
        }
    }

    @Override
    public void destroyed(Vm vm) {
        attached.remove(vm.name());
    }

    /** Whether the host asked the guest to eject the device in {@code slot} and it has not yet. */
    public boolean removalPending(Vm vm, int slot) {
        Attached running = attached.get(vm.name());
        return running != null && running.controller().removalPending(slot);
    }

    /** The controller's decisions carried out on the VM. */
    private final class VmActions implements PhprController.Actions {
        private final Vm vm;

        VmActions(Vm vm) {
            this.vm = vm;
        }

        @Override
        public void notifyGuest() {
            ged.raise(vm, GedEvents.PCI);
        }

        /**
         * Takes the device off the bus on the I/O thread, where its queues run, so its backend
         * closes with no request in flight; then the device manager publishes DEVICE_DELETED.
         */
        @Override
        public void ejected(int slot, boolean requested) {
            Optional<PciSlot> found = vm.pci().slots().stream().filter(s -> s.address().slot() == slot).findFirst();
            if (found.isEmpty()) {
                LOG.debug("VM {}: the guest ejected slot {}, which is empty", vm.name(), slot);
                return;
            }
            PciSlot ejected = found.get();
            Optional<String> id = ejected.device().pluggedDeviceId();
            Optional<PluggedDevice> device = id.flatMap(name -> devices.find(vm, name));
            if (device.isPresent() && !device.get().removable()) {
                LOG.warn("VM {}: the guest ejected {}, which is not removable: it stays", vm.name(), id.get());
                return;
            }
            vm.ioLoop().execute(() -> {
                ejected.close();
                LOG.info("VM {}: {} left slot {} ({})", vm.name(), id.orElse("a device"), slot,
                        requested ? "ejected as asked" : "ejected by the guest");
                id.ifPresent(name -> devices.deleted(vm, name));
            });
        }
    }
}
