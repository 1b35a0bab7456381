package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.vfio.HostMapping;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.LabVfioDevice;
import io.hotvisor.vmm.testing.OpenFds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The VFIO uAPI layer against the kernel's vfio-pci: the lab's L1 binds a virtio NIC behind QEMU's
 * virtual Intel IOMMU to vfio-pci (lab/l1.sh, {@code lab.vfio=ADDRESS} on L1's command line), and
 * this opens it as Hotvisor does: container, group, device, regions, interrupts, DMA maps. On a
 * host outside the lab it runs on the first device bound to vfio-pci, and skips loudly without one.
 */
@KvmTest
@LabVfioDevice
class VfioDeviceFdLabTest {
    private static final Path PCI_DEVICES = Path.of("/sys/bus/pci/devices");
    private static String address;
    private static Path groupFile;

    @BeforeAll
    static void findTheDevice() throws IOException {
        String cmdline = Files.readString(Path.of("/proc/cmdline"));
        String lab = Arrays.stream(cmdline.trim().split("\\s+")).filter(word -> word.startsWith("lab.vfio="))
                .map(word -> word.substring("lab.vfio=".length())).findFirst().orElse(null);
        if (lab != null) {
            address = lab;
        } else {
            try (Stream<Path> devices = Files.list(PCI_DEVICES)) {
                address = devices.filter(device -> driver(device).equals("vfio-pci"))
                        .map(device -> device.getFileName().toString()).sorted().findFirst().orElse(null);
            }
            if (address == null) {
                System.err.println("*** SKIPPED: no host PCI device is bound to vfio-pci: VfioDeviceFdLabTest cannot run ***");
                Assumptions.abort("no host PCI device is bound to vfio-pci");
            }
        }
        Path device = PCI_DEVICES.resolve(address);
        assertThat(driver(device)).as("%s's driver (lab/l1-init.sh binds it)", address).isEqualTo("vfio-pci");
        groupFile = Path.of("/dev/vfio").resolve(device.resolve("iommu_group").toRealPath().getFileName());
        assertThat(groupFile).exists();
    }

    private static String driver(Path device) {
        try {
            return device.resolve("driver").toRealPath().getFileName().toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void theDeviceOpensWithItsRegionsInterruptsAndDmaAndClosesWithoutATrace() throws IOException {
        byte[] sysfsConfig = Files.readAllBytes(PCI_DEVICES.resolve(address).resolve("config"));
        long fdsBefore = OpenFds.anonymous();
        assertThat(vfioFds()).as("VFIO fds before").isZero();
        try (VfioDeviceFd device = VfioDeviceFd.open(groupFile, address)) {
            VfioRegion config = device.region(VfioDevice.CONFIG_REGION);
            assertThat(config.size()).isGreaterThanOrEqualTo(256);
            byte[] header = new byte[64];
            device.read(config, 0, header);
            assertThat(Arrays.copyOf(header, 16)).as("ids, command, status, class").isEqualTo(Arrays.copyOf(sysfsConfig, 16));

            VfioRegion bar = firstMemoryBar(device);
            assertThat(bar.mmapAreas()).as("BAR %d's mmap areas", bar.index()).isNotEmpty();
            VfioRegion.Area area = bar.mmapAreas().get(0);
            try (HostMapping mapping = device.map(bar, area.offset(), Math.min(area.size(), 4096))) {
                assertThat(mapping.hostAddress()).isNotZero();
            }

            assertThat(device.irqCount(VfioDevice.MSIX)).as("virtio-net's MSI-X vectors").isPositive();
            try (EventFd vector = EventFd.create()) {
                device.setTriggers(VfioDevice.MSIX, List.<EventNotifier>of(vector));
                device.disableTriggers(VfioDevice.MSIX);
            }
            try (EventFd trigger = EventFd.create(); EventFd unmask = EventFd.create()) {
                device.setTriggers(VfioDevice.INTX, List.<EventNotifier>of(trigger));
                device.unmaskIntxOn(unmask);
                device.disableTriggers(VfioDevice.INTX);
            }

            long size = 2L << 20;
            long memory = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
            try {
                device.dmaMap(0x1_0000_0000L, size, memory);
                device.dmaUnmap(0x1_0000_0000L, size);
            } finally {
                LibC.munmap(memory, size);
            }

            assertThatThrownBy(() -> VfioDeviceFd.open(groupFile, address)).isInstanceOf(VmException.class)
                    .hasMessageContaining("already open");
        }
        assertThat(vfioFds()).as("container, group and device fds closed").isZero();
        assertThat(OpenFds.anonymous()).as("eventfds closed").isEqualTo(fdsBefore);
        try (VfioDeviceFd again = VfioDeviceFd.open(groupFile, address)) {
            assertThat(again.name()).isEqualTo(address);
        }
    }

    /** Open fds on /dev/vfio/* (container, group) or a VFIO device. */
    private static long vfioFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("/dev/vfio/") || target.contains("vfio-device");
                } catch (IOException e) {
                    return false; // closed while we looked
                }
            }).count();
        }
    }

    private static VfioRegion firstMemoryBar(VfioDeviceFd device) {
        for (int index = 0; index < 6; index++) {
            VfioRegion region = device.region(index);
            if (region.implemented() && region.mappable()) {
                return region;
            }
        }
        throw new AssertionError(address + " has no mappable BAR");
    }
}
