package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.vfio.HostVfio;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code vfio-pci} (alias {@code pci-assign}, the older QEMU name): a host PCI function bound to
 * the kernel's vfio-pci driver, passed through to the guest ({@code host=BDF} or
 * {@code sysfsdev=PATH}). The host is checked first, with a one-line refusal naming the cure;
 * then the core opens the device ({@link HostVfio}), all guest RAM is mapped for its DMA, and it
 * goes on the bus. Removal asks the guest, as for every PCI device; a reset plugs it again. The
 * sysfs and {@code /dev/vfio} roots are configurable ({@code sysfs.root}, {@code dev.vfio}) for
 * tests and containers.
 */
@Component(service = {DeviceDriver.class, VfioPciDriver.class}, configurationPid = "io.hotvisor.vfio")
public final class VfioPciDriver implements DeviceDriver {
    public static final String NAME = "vfio-pci";
    static final String ALIAS = "pci-assign";
    private static final Map<String, String> PROPERTIES = propertyTable();

    private final HostVfio vfio;
    private final HostPciDevices hostDevices;
    private final Assignments assignments = new Assignments();

    @Activate
    public VfioPciDriver(@Reference HostVfio vfio, Map<String, Object> configuration) {
        this(vfio, new HostPciDevices(Path.of(String.valueOf(configuration.getOrDefault("sysfs.root", "/sys"))),
                Path.of(String.valueOf(configuration.getOrDefault("dev.vfio", "/dev/vfio")))));
    }

    VfioPciDriver(HostVfio vfio, HostPciDevices hostDevices) {
        this.vfio = vfio;
        this.hostDevices = hostDevices;
    }

    private static Map<String, String> propertyTable() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("host", "the host PCI address, [DOMAIN:]BUS:SLOT.FUNCTION (e.g. 0000:00:03.0)");
        properties.put("sysfsdev", "the host device's sysfs directory, instead of host=");
        properties.put("addr", "PCI slot, in hex (default: the first free one)");
        properties.put(PluggedDevice.REMOVABLE, "off: the guest may not eject it and device_del refuses (default on)");
        return Collections.unmodifiableMap(properties);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> aliases() {
        return Set.of(ALIAS);
    }

    @Override
    public String bus() {
        return BUS_PCI;
    }

    @Override
    public String description() {
        return "host PCI device passed through with VFIO (bound to vfio-pci)";
    }

    @Override
    public Map<String, String> properties() {
        return PROPERTIES;
    }

    /** The host's side: its devices and which of them this Hotvisor assigned. */
    public HostPciDevices hostDevices() {
        return hostDevices;
    }

    /** Host address to "VM NAME, device ID" for every device assigned now. */
    public Map<String, String> assigned() {
        return assignments.owners();
    }

    @Override
    public void plug(Vm vm, PluggedDevice device) {
        Map<String, Object> values = device.properties();
        for (String key : values.keySet()) {
            if (!PROPERTIES.containsKey(key)) {
                throw new VmException("Property '" + NAME + "." + key + "' not found");
            }
        }
        Object host = values.get("host");
        Object sysfsdev = values.get("sysfsdev");
        if ((host == null) == (sysfsdev == null)) {
            throw new VmException(NAME + ": give the host device with exactly one of host=BDF and sysfsdev=PATH");
        }
        OptionalInt slot = values.containsKey("addr")
                ? OptionalInt.of(PciAddress.parseSlot(NAME, values.get("addr").toString())) : OptionalInt.empty();
        device.removable(); // a bad value fails now rather than at removal
        PciBus bus = vm.pci(); // a VM that is not running fails here, before anything opens
        HostPciDevice hostDevice = host != null ? hostDevices.byAddress(NAME, host.toString())
                : hostDevices.bySysfsPath(NAME, sysfsdev.toString());
        Path groupFile = hostDevices.checkAssignable(NAME, hostDevice);
        String owner = "VM " + vm.name() + ", device " + device.name();
        assignments.claim(NAME, hostDevice.address(), owner);
        Runnable release = () -> assignments.release(hostDevice.address(), owner);
        VfioDevice opened;
        VfioPciFunction function;
        try {
            opened = vfio.open(groupFile, hostDevice.address());
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        try {
            function = new VfioPciFunction(device.name(), opened, vm.interrupts(), release);
        } catch (RuntimeException e) {
            opened.close();
            release.run();
            throw e;
        }
        try {
            DmaMap dma = new DmaMap(opened);
            Registration listening = vm.memory().addRegionListener(dma);
            function.own(listening);
            dma.attached();
            bus.plug(function, slot);
        } catch (RuntimeException e) {
            function.removed();
            throw e;
        }
    }

    @Override
    public void unplug(Vm vm, PluggedDevice device) {
        if (!device.removable()) {
            throw new VmException("Device '" + device.name() + "' is not removable (it was added with removable=off)");
        }
        PciBus bus = vm.pci();
        bus.requestRemoval(bus.slotOf(device.name()).orElseThrow(() -> new VmException(
                "Device '" + device.name() + "' is not on the PCI bus")));
    }

    /** Its guest PCI address, and the host device behind it. */
    @Override
    public DeviceDescription describe(Vm vm, PluggedDevice device) {
        return vm.pci().slotOf(device.name()).map(slot -> new DeviceDescription(slot.address().toString(),
                        slot.device() instanceof VfioPciFunction function
                                ? Map.of("host", function.device().name()) : Map.of()))
                .orElse(DeviceDescription.NONE);
    }

    @Override
    public AfterReset afterReset() {
        return AfterReset.PLUGGED_AGAIN;
    }
}
