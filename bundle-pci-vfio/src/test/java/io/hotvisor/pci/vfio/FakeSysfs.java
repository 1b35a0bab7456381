package io.hotvisor.pci.vfio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sysfs and /dev/vfio in a temporary directory, shaped as Linux lays them out: functions under
 * {@code devices/pci0000:00} linked from {@code bus/pci/devices}, {@code driver} links into
 * {@code bus/pci/drivers}, {@code iommu_group} links into {@code kernel/iommu_groups/N}.
 */
public final class FakeSysfs {
    public final Path sysfs;
    public final Path devVfio;

    public FakeSysfs(Path root) {
        this.sysfs = root.resolve("sys");
        this.devVfio = root.resolve("dev/vfio");
        try {
            Files.createDirectories(sysfs.resolve("bus/pci/devices"));
            Files.createDirectories(sysfs.resolve("bus/pci/drivers"));
            Files.createDirectories(devVfio);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public HostPciDevices devices() {
        return new HostPciDevices(sysfs, devVfio);
    }

    /** A function with vendor 1af4, device 1041, class 020000 (a virtio NIC), no driver, no group. */
    public FakeSysfs function(String address, int classCode) {
        try {
            Path directory = Files.createDirectories(sysfs.resolve("devices/pci0000:00").resolve(address));
            Files.writeString(directory.resolve("vendor"), "0x1af4\n");
            Files.writeString(directory.resolve("device"), "0x1041\n");
            Files.writeString(directory.resolve("class"), String.format("0x%06x%n", classCode));
            Files.write(directory.resolve("config"), new byte[256]);
            Files.createSymbolicLink(sysfs.resolve("bus/pci/devices").resolve(address), directory);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FakeSysfs function(String address) {
        return function(address, 0x020000);
    }

    public FakeSysfs bind(String address, String driver) {
        try {
            Path driverDirectory = Files.createDirectories(sysfs.resolve("bus/pci/drivers").resolve(driver));
            Files.createSymbolicLink(device(address).resolve("driver"), driverDirectory);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FakeSysfs group(int group, String... addresses) {
        try {
            Path devices = Files.createDirectories(sysfs.resolve("kernel/iommu_groups").resolve(Integer.toString(group))
                    .resolve("devices"));
            for (String address : addresses) {
                Files.createSymbolicLink(devices.resolve(address), device(address));
                Files.createSymbolicLink(device(address).resolve("iommu_group"), devices.getParent());
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** /dev/vfio/vfio and /dev/vfio/N for each group given. */
    public FakeSysfs vfioNodes(int... groups) {
        try {
            Files.createFile(devVfio.resolve("vfio"));
            for (int group : groups) {
                Files.createFile(devVfio.resolve(Integer.toString(group)));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path device(String address) {
        return sysfs.resolve("devices/pci0000:00").resolve(address);
    }
}
