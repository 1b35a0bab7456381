package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.VmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The host's PCI functions and IOMMU groups as sysfs shows them ({@code /sys/bus/pci/devices},
 * {@code /sys/kernel/iommu_groups}), and whether one can be assigned through VFIO: each refusal is
 * one line that names the cure. The sysfs and {@code /dev/vfio} roots are parameters so that tests
 * use a tree of their own.
 */
public final class HostPciDevices {
    /** {@code [DOMAIN:]BUS:SLOT.FUNCTION} as QEMU's {@code host=} takes it. */
    private static final Pattern ADDRESS = Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\\.[0-7]");
    /** Drivers the kernel lets share a viable group with vfio-pci (drivers/vfio: vfio_driver_allowed). */
    private static final List<String> GROUP_DRIVERS_ALLOWED = List.of(HostPciDevice.VFIO_PCI, "pci-stub");
    private static final int CLASS_BRIDGE = 0x06;

    private final Path sysfs;
    private final Path devVfio;

    /** @param sysfs where sysfs is mounted ({@code /sys}); @param devVfio VFIO's device directory ({@code /dev/vfio}) */
    public HostPciDevices(Path sysfs, Path devVfio) {
        this.sysfs = sysfs;
        this.devVfio = devVfio;
    }

    public static HostPciDevices system() {
        return new HostPciDevices(Path.of("/sys"), Path.of("/dev/vfio"));
    }

    private Path pciDevices() {
        return sysfs.resolve("bus/pci/devices");
    }

    /** {@code host=00:03.0} or {@code 0000:00:03.0}: its full sysfs name. */
    public static String normalise(String driver, String host) {
        String trimmed = host.trim();
        if (!ADDRESS.matcher(trimmed).matches()) {
            throw new VmException(driver + ": host=" + host + " is not a PCI address ([DOMAIN:]BUS:SLOT.FUNCTION, e.g."
                    + " 0000:00:03.0)");
        }
        return (trimmed.length() == 7 ? "0000:" + trimmed : trimmed).toLowerCase(Locale.ROOT);
    }

    /** The function at {@code host=ADDRESS}. */
    public HostPciDevice byAddress(String driver, String host) {
        String address = normalise(driver, host);
        Path directory = pciDevices().resolve(address);
        if (!Files.isDirectory(directory)) {
            throw new VmException(driver + ": the host has no PCI device " + address + " (lspci -D lists them)");
        }
        return read(address, directory);
    }

    /** The function at {@code sysfsdev=PATH}, a sysfs device directory. */
    public HostPciDevice bySysfsPath(String driver, String path) {
        Path directory = Path.of(path);
        if (!Files.isDirectory(directory) || !Files.exists(directory.resolve("config"))) {
            throw new VmException(driver + ": sysfsdev=" + path + " is not a PCI device directory in sysfs"
                    + " (e.g. /sys/bus/pci/devices/0000:00:03.0)");
        }
        return read(directory.getFileName().toString(), directory);
    }

    private HostPciDevice read(String address, Path directory) {
        Path groupLink = directory.resolve("iommu_group");
        int group = -1;
        List<String> mates = List.of();
        if (Files.exists(groupLink)) {
            Path groupDirectory = resolve(groupLink);
            group = Integer.parseInt(groupDirectory.getFileName().toString());
            mates = list(groupDirectory.resolve("devices")).stream().filter(name -> !name.equals(address)).toList();
        }
        return new HostPciDevice(address, directory, hex(directory.resolve("vendor")), hex(directory.resolve("device")),
                hex(directory.resolve("class")), driverOf(directory).orElse(""), group, mates);
    }

    /**
     * Checks that {@code device} can be opened through VFIO, else fails with a one-line
     * {@link VmException} naming the cure; returns its group file ({@code /dev/vfio/N}).
     */
    public Path checkAssignable(String driver, HostPciDevice device) {
        String address = device.address();
        if (!Files.exists(devVfio.resolve("vfio"))) {
            throw new VmException(driver + ": " + devVfio.resolve("vfio") + " does not exist: load VFIO with"
                    + " 'modprobe vfio-pci vfio_iommu_type1'");
        }
        if (device.group() < 0) {
            throw new VmException(driver + ": " + address + " has no IOMMU group, so the host has no IOMMU enabled:"
                    + " boot it with intel_iommu=on (or amd_iommu=on) and VT-d/AMD-Vi on in the firmware");
        }
        if (!device.boundToVfio()) {
            Path sysfsDevice = pciDevices().resolve(address);
            String unbind = device.driver().isEmpty() ? ""
                    : "echo " + address + " > " + sysfsDevice + "/driver/unbind; ";
            throw new VmException(driver + ": " + address + " is " + (device.driver().isEmpty() ? "bound to no driver"
                    : "bound to " + device.driver()) + ", not vfio-pci; bind it with: modprobe vfio-pci; " + unbind
                    + "echo vfio-pci > " + sysfsDevice + "/driver_override; echo " + address
                    + " > " + sysfs.resolve("bus/pci/drivers_probe"));
        }
        List<String> blocking = new ArrayList<>();
        for (String mate : device.groupMates()) {
            Path mateDirectory = pciDevices().resolve(mate);
            Optional<String> mateDriver = driverOf(mateDirectory);
            boolean bridge = Files.exists(mateDirectory.resolve("class")) && hex(mateDirectory.resolve("class")) >>> 16 == CLASS_BRIDGE;
            if (mateDriver.isPresent() && !GROUP_DRIVERS_ALLOWED.contains(mateDriver.get()) && !bridge) {
                blocking.add(mate + " (bound to " + mateDriver.get() + ")");
            }
        }
        if (!blocking.isEmpty()) {
            throw new VmException(driver + ": IOMMU group " + device.group() + " of " + address + " is not viable: "
                    + String.join(", ", blocking) + " must be bound to vfio-pci too, or unbound");
        }
        Path groupFile = devVfio.resolve(Integer.toString(device.group()));
        if (!Files.exists(groupFile)) {
            throw new VmException(driver + ": " + groupFile + " does not exist although " + address + " is bound to"
                    + " vfio-pci: check the vfio modules and the permissions of /dev/vfio");
        }
        return groupFile;
    }

    /** Every host function bound to vfio-pci, by address. */
    public List<HostPciDevice> boundToVfio() {
        return list(pciDevices()).stream().sorted()
                .map(address -> read(address, pciDevices().resolve(address)))
                .filter(HostPciDevice::boundToVfio).toList();
    }

    private static Optional<String> driverOf(Path directory) {
        Path link = directory.resolve("driver");
        return Files.exists(link) ? Optional.of(resolve(link).getFileName().toString()) : Optional.empty();
    }

    private static Path resolve(Path link) {
        try {
            return link.toRealPath();
        } catch (IOException e) {
            throw new VmException("cannot read " + link + ": " + e.getMessage(), e);
        }
    }

    private static List<String> list(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new VmException("cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    /** A sysfs attribute such as {@code 0x1af4}. */
    private static int hex(Path attribute) {
        try {
            return Integer.decode(Files.readString(attribute).trim());
        } catch (IOException | NumberFormatException e) {
            throw new VmException("cannot read " + attribute + ": " + e.getMessage(), e);
        }
    }
}
