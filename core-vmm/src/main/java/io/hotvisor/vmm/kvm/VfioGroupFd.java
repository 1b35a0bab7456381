package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.file.Path;

/** {@code /dev/vfio/N}: an IOMMU group, which joins a container and hands out device fds. */
final class VfioGroupFd extends Fd {
    private final Path path;
    private boolean inContainer;

    private VfioGroupFd(Path path, int fd) {
        super("VFIO group " + path, fd);
        this.path = path;
    }

    /** Opens the group; it must be viable (every device in it bound to vfio-pci or no driver). */
    static VfioGroupFd open(Path path) {
        int fd;
        try {
            fd = LibC.open(path.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EBUSY) {
                throw new KvmException("VFIO group " + path + " is already open (assigned to another VM or process);"
                        + " remove it there first");
            }
            throw new KvmException("open " + path, e.getErrorCode());
        }
        VfioGroupFd group = new VfioGroupFd(path, fd);
        try (Memory status = new Memory(VfioAbi.SIZEOF_VFIO_GROUP_STATUS)) {
            status.clear();
            status.setInt(VfioAbi.GROUP_STATUS_ARGSZ, VfioAbi.SIZEOF_VFIO_GROUP_STATUS);
            group.ioctl("VFIO_GROUP_GET_STATUS", VfioAbi.VFIO_GROUP_GET_STATUS, Memory.nativeValue(status));
            if ((status.getInt(VfioAbi.GROUP_STATUS_FLAGS) & VfioAbi.VFIO_GROUP_FLAGS_VIABLE) == 0) {
                throw new KvmException("VFIO group " + path + " is not viable: bind every device of the group to vfio-pci"
                        + " (or unbind it)");
            }
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    void setContainer(VfioContainerFd container) {
        try (Memory fd = new Memory(4)) {
            fd.setInt(0, container.fd());
            ioctl("VFIO_GROUP_SET_CONTAINER", VfioAbi.VFIO_GROUP_SET_CONTAINER, Memory.nativeValue(fd));
        }
        inContainer = true;
    }

    int deviceFd(String deviceName) {
        try (Memory name = new Memory(deviceName.length() + 1L)) {
            name.setString(0, deviceName, "US-ASCII");
            return ioctl("VFIO_GROUP_GET_DEVICE_FD for " + deviceName + " in " + path, VfioAbi.VFIO_GROUP_GET_DEVICE_FD,
                    Memory.nativeValue(name));
        }
    }

    /** Leaves the container first, so that it loses its IOMMU context before either fd closes. */
    @Override
    public synchronized void close() {
        if (inContainer) {
            inContainer = false;
            try {
                ioctl("VFIO_GROUP_UNSET_CONTAINER", VfioAbi.VFIO_GROUP_UNSET_CONTAINER, 0);
            } catch (KvmException e) {
                // Closing the fd below unsets it too.
            }
        }
        super.close();
    }
}
