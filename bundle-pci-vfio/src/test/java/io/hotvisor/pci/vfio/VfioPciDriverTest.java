package io.hotvisor.pci.vfio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.RegionListener;
import io.hotvisor.vmm.api.memory.VmMemory;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.testing.RecordingInterrupts;
import io.hotvisor.vmm.api.vfio.HostVfio;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vfio-pci driver from device_add to removal, over a fake sysfs, a fake VFIO and a fake machine. */
class VfioPciDriverTest {
    private static final String NIC = "0000:00:03.0";
    private static final long RAM = 256L << 20;

    @TempDir
    Path root;

    private final List<String> opened = new ArrayList<>();
    private final List<FakeVfioDevice> devices = new ArrayList<>();
    private final List<PciSlot> bus = new ArrayList<>();
    private final List<RegionListener> listeners = new ArrayList<>();
    private final List<String> removalRequests = new ArrayList<>();
    private final RecordingInterrupts interrupts = new RecordingInterrupts();
    private RuntimeException openFailure;
    private VfioPciDriver driver;
    private FakeSysfs sysfs;

    @BeforeEach
    void host() {
        sysfs = new FakeSysfs(root).function(NIC).bind(NIC, "vfio-pci").group(7, NIC).vfioNodes(7);
        HostVfio vfio = (groupFile, deviceName) -> {
            if (openFailure != null) {
                throw openFailure;
            }
            opened.add(root.relativize(groupFile) + " " + deviceName);
            FakeVfioDevice device = new FakeVfioDevice(FakeVfioDevice.recording("virtio-net-1af4-1041.config.hex"),
                    Map.of(0, FakeVfioDevice.region(0, 0x80000, VfioRegion.READ | VfioRegion.WRITE, List.of()),
                            VfioDevice.CONFIG_REGION, FakeVfioDevice.region(VfioDevice.CONFIG_REGION, 256,
                                    VfioRegion.READ | VfioRegion.WRITE, List.of())),
                    Map.of(VfioDevice.MSIX, 3));
            devices.add(device);
            return device;
        };
        driver = new VfioPciDriver(vfio, sysfs.devices());
    }

    private PluggedDevice device(String id, Map<String, Object> properties) {
        return new PluggedDevice(id, PluggedDevice.PERIPHERAL + id, VfioPciDriver.NAME, properties,
                PluggedDevice.State.PRESENT);
    }

    @Test
    void aHostDeviceGoesOnTheBusWithAllRamMappedForDmaAndEverythingGoesWithIt() {
        driver.plug(vm("web"), device("nic0", Map.of("host", "00:03.0")));

        assertThat(opened).containsExactly("dev/vfio/7 " + NIC);
        assertThat(bus).singleElement().satisfies(slot -> assertThat(slot.device().pluggedDeviceId()).contains("nic0"));
        FakeVfioDevice device = devices.get(0);
        assertThat(device.log).containsExactly("dma map 0x0/0x10000000");
        assertThat(driver.assigned()).containsEntry(NIC, "VM web, device nic0");

        GuestRegion dimm = new GuestRegion(GuestAddress.of(1L << 32), 128L << 20, 0x7e00_0000_0000L, Optional.of("m1"));
        listeners.forEach(listener -> listener.added(dimm));
        listeners.forEach(listener -> listener.removed(dimm));
        assertThat(device.log).endsWith("dma map 0x100000000/0x8000000", "dma unmap 0x100000000/0x8000000");

        bus.get(0).close();
        assertThat(listeners).as("the DMA listener goes").isEmpty();
        assertThat(device.closed).isTrue();
        assertThat(driver.assigned()).isEmpty();
    }

    @Test
    void removalAsksTheGuestThroughTheBusUnlessTheDeviceIsNotRemovable() {
        Vm web = vm("web");
        PluggedDevice nic = device("nic0", Map.of("host", NIC, "addr", "5"));
        driver.plug(web, nic);
        assertThat(driver.describe(web, nic).address()).isEqualTo("0000:00:05.0");
        assertThat(driver.describe(web, nic).facts()).containsEntry("host", NIC);

        driver.unplug(web, nic);
        assertThat(removalRequests).containsExactly("0000:00:05.0");

        PluggedDevice fixed = device("nic1", Map.of("host", NIC, "removable", "off"));
        assertThatThrownBy(() -> driver.unplug(web, fixed)).hasMessageContaining("is not removable");
    }

    @Test
    void aDeviceAssignedAlreadyIsRefusedNamingItsOwner() {
        driver.plug(vm("web"), device("nic0", Map.of("host", NIC)));
        assertThatThrownBy(() -> driver.plug(vm("db"), device("nic1", Map.of("sysfsdev",
                sysfs.sysfs.resolve("bus/pci/devices/" + NIC).toString()))))
                .isInstanceOf(VmException.class)
                .hasMessage("vfio-pci: " + NIC + " is already assigned to VM web, device nic0; remove it there first"
                        + " (device_del)");
        assertThat(opened).hasSize(1);
    }

    @Test
    void aKernelRefusalLeavesNothingAssigned() {
        openFailure = new VmException("VFIO group /dev/vfio/7 is already open (assigned to another VM or process)");
        assertThatThrownBy(() -> driver.plug(vm("web"), device("nic0", Map.of("host", NIC))))
                .hasMessageContaining("already open");
        assertThat(driver.assigned()).isEmpty();
        assertThat(bus).isEmpty();
    }

    @Test
    void propertiesAreCheckedAndPciAssignIsAnAlias() {
        assertThat(driver.aliases()).containsExactly("pci-assign");
        assertThat(driver.properties()).containsKeys("host", "sysfsdev", "addr", PluggedDevice.REMOVABLE);
        assertThatThrownBy(() -> driver.plug(vm("web"), device("n", Map.of("host", NIC, "romfile", "x"))))
                .hasMessage("Property 'vfio-pci.romfile' not found");
        assertThatThrownBy(() -> driver.plug(vm("web"), device("n", Map.of())))
                .hasMessageContaining("exactly one of host=BDF and sysfsdev=PATH");
        assertThatThrownBy(() -> driver.plug(vm("web"), device("n", Map.of("host", NIC, "sysfsdev", "/sys"))))
                .hasMessageContaining("exactly one of");
    }

    @Test
    void aDeviceThatIsNotBoundIsRefusedBeforeAnythingOpens() {
        FakeSysfs other = new FakeSysfs(root.resolve("other")).function(NIC).bind(NIC, "virtio-pci").group(7, NIC)
                .vfioNodes(7);
        VfioPciDriver strict = new VfioPciDriver((group, name) -> {
            throw new AssertionError("opened");
        }, other.devices());
        assertThatThrownBy(() -> strict.plug(vm("web"), device("nic0", Map.of("host", NIC))))
                .hasMessageContaining("driver_override");
    }

    private Vm vm(String name) {
        VmMemory memory = (VmMemory) Proxy.newProxyInstance(VmMemory.class.getClassLoader(),
                new Class<?>[] {VmMemory.class}, (proxy, method, args) -> {
                    if (method.getName().equals("addRegionListener")) {
                        RegionListener listener = (RegionListener) args[0];
                        listeners.add(listener);
                        listener.added(new GuestRegion(GuestAddress.of(0), RAM, 0x7f00_0000_0000L, Optional.empty()));
                        return (Registration) () -> listeners.remove(listener);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        // A proxy, so that methods the bus gains later need no stub here.
        PciBus pci = (PciBus) Proxy.newProxyInstance(PciBus.class.getClassLoader(), new Class<?>[] {PciBus.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "plug" -> {
                        PciDevice device = (PciDevice) args[0];
                        RecordingSlot placed = new RecordingSlot(device, ((OptionalInt) args[1]).orElse(3),
                                () -> bus.removeIf(on -> on.device() == device));
                        device.plugged(placed);
                        bus.add(placed);
                        yield placed;
                    }
                    case "slots" -> List.copyOf(bus);
                    case "slotOf" -> bus.stream().filter(slot -> slot.device().pluggedDeviceId().orElse("")
                            .equals(args[0])).findFirst();
                    case "requestRemoval" -> {
                        removalRequests.add(((PciSlot) args[0]).address().toString());
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> name;
                    case "pci" -> pci;
                    case "interrupts" -> interrupts;
                    case "memory" -> memory;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
