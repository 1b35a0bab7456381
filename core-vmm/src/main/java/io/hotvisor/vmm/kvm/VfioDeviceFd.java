package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.vfio.HostMapping;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A VFIO device fd with the group and container it was opened through, which it owns: closing it
 * closes the device, then the group (leaving the container), then the container.
 */
public final class VfioDeviceFd extends Fd implements VfioDevice {
    private static final long PAGE = 4096;
    /** Enough for the region info with its capability chain (sparse areas of a BAR: a handful). */
    private static final int REGION_INFO_BUFFER = 4096;

    private final String name;
    private final VfioGroupFd group;
    private final VfioContainerFd container;
    private final int flags;
    private final int regionCount;
    private final int irqIndexCount;

    private VfioDeviceFd(String name, int fd, VfioGroupFd group, VfioContainerFd container) {
        super("VFIO device " + name, fd);
        this.name = name;
        this.group = group;
        this.container = container;
        try (Memory info = new Memory(VfioAbi.SIZEOF_VFIO_DEVICE_INFO)) {
            info.clear();
            info.setInt(VfioAbi.DEVICE_INFO_ARGSZ, VfioAbi.SIZEOF_VFIO_DEVICE_INFO);
            ioctl("VFIO_DEVICE_GET_INFO", VfioAbi.VFIO_DEVICE_GET_INFO, Memory.nativeValue(info));
            this.flags = info.getInt(VfioAbi.DEVICE_INFO_FLAGS);
            this.regionCount = info.getInt(VfioAbi.DEVICE_INFO_NUM_REGIONS);
            this.irqIndexCount = info.getInt(VfioAbi.DEVICE_INFO_NUM_IRQS);
        }
        if ((flags & VfioAbi.VFIO_DEVICE_FLAGS_PCI) == 0) {
            throw new KvmException("not supported: VFIO device " + name + " is not a vfio-pci device");
        }
    }

    /** Container, group in it, type1 IOMMU, device: what was opened is closed again on failure. */
    public static VfioDeviceFd open(Path groupFile, String deviceName) {
        VfioContainerFd container = VfioContainerFd.open();
        VfioGroupFd group = null;
        int fd = -1;
        try {
            group = VfioGroupFd.open(groupFile);
            group.setContainer(container);
            container.setType1Iommu();
            fd = group.deviceFd(deviceName);
            return new VfioDeviceFd(deviceName, fd, group, container);
        } catch (RuntimeException e) {
            if (fd >= 0) {
                LibC.close(fd);
            }
            if (group != null) {
                group.close();
            }
            container.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean resettable() {
        return (flags & VfioAbi.VFIO_DEVICE_FLAGS_RESET) != 0;
    }

    @Override
    public VfioRegion region(int index) {
        if (index < 0 || index >= regionCount) {
            return new VfioRegion(index, 0, 0, 0, List.of(), false);
        }
        try (Memory info = new Memory(REGION_INFO_BUFFER)) {
            info.clear();
            info.setInt(VfioAbi.REGION_INFO_ARGSZ, REGION_INFO_BUFFER);
            info.setInt(VfioAbi.REGION_INFO_INDEX, index);
            ioctl("VFIO_DEVICE_GET_REGION_INFO " + index, VfioAbi.VFIO_DEVICE_GET_REGION_INFO, Memory.nativeValue(info));
            return regionInfo(info, index);
        }
    }

    /** The region info and its capability chain (sparse mmap areas, MSI-X mappable). */
    static VfioRegion regionInfo(Memory info, int index) {
        int regionFlags = info.getInt(VfioAbi.REGION_INFO_FLAGS);
        long size = info.getLong(VfioAbi.REGION_INFO_SIZE);
        List<VfioRegion.Area> areas = null;
        boolean msixMappable = false;
        if ((regionFlags & VfioAbi.VFIO_REGION_INFO_FLAG_CAPS) != 0) {
            long filled = Math.min(Integer.toUnsignedLong(info.getInt(VfioAbi.REGION_INFO_ARGSZ)), info.size());
            long capability = Integer.toUnsignedLong(info.getInt(VfioAbi.REGION_INFO_CAP_OFFSET));
            // A chain that points backwards or out of what the kernel filled would loop or read garbage.
            while (capability >= VfioAbi.SIZEOF_VFIO_REGION_INFO && capability + 8 <= filled) {
                int id = info.getShort(capability + VfioAbi.CAP_HEADER_ID) & 0xFFFF;
                if (id == VfioAbi.VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
                    areas = new ArrayList<>();
                    int count = info.getInt(capability + VfioAbi.SPARSE_MMAP_NR_AREAS);
                    for (int i = 0; i < count; i++) {
                        long area = capability + VfioAbi.SPARSE_MMAP_AREAS
                                + (long) i * VfioAbi.SIZEOF_VFIO_REGION_SPARSE_MMAP_AREA;
                        if (area + VfioAbi.SIZEOF_VFIO_REGION_SPARSE_MMAP_AREA > filled) {
                            break;
                        }
                        long areaSize = info.getLong(area + VfioAbi.SPARSE_MMAP_AREA_SIZE);
                        if (areaSize > 0) {
                            areas.add(new VfioRegion.Area(info.getLong(area + VfioAbi.SPARSE_MMAP_AREA_OFFSET), areaSize));
                        }
                    }
                } else if (id == VfioAbi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
                    msixMappable = true;
                }
                long next = Integer.toUnsignedLong(info.getInt(capability + VfioAbi.CAP_HEADER_NEXT));
                if (next <= capability) {
                    break;
                }
                capability = next;
            }
        }
        if (areas == null) {
            areas = (regionFlags & VfioAbi.VFIO_REGION_INFO_FLAG_MMAP) != 0 && size > 0
                    ? List.of(new VfioRegion.Area(0, size)) : List.of();
        }
        return new VfioRegion(index, size, info.getLong(VfioAbi.REGION_INFO_OFFSET), regionFlags, areas, msixMappable);
    }

    @Override
    public int irqCount(int index) {
        if (index < 0 || index >= irqIndexCount) {
            return 0;
        }
        try (Memory info = new Memory(VfioAbi.SIZEOF_VFIO_IRQ_INFO)) {
            info.clear();
            info.setInt(VfioAbi.IRQ_INFO_ARGSZ, VfioAbi.SIZEOF_VFIO_IRQ_INFO);
            info.setInt(VfioAbi.IRQ_INFO_INDEX, index);
            ioctl("VFIO_DEVICE_GET_IRQ_INFO " + index, VfioAbi.VFIO_DEVICE_GET_IRQ_INFO, Memory.nativeValue(info));
            return (info.getInt(VfioAbi.IRQ_INFO_FLAGS) & VfioAbi.VFIO_IRQ_INFO_EVENTFD) != 0
                    ? info.getInt(VfioAbi.IRQ_INFO_COUNT) : 0;
        }
    }

    @Override
    public void read(VfioRegion region, long offset, byte[] data) {
        checkAccess(region, offset, data.length);
        try (Memory buffer = new Memory(data.length)) {
            long done = LibC.pread(fd(), Memory.nativeValue(buffer), data.length, region.offset() + offset);
            if (done != data.length) {
                throw new KvmException(String.format("short read of %s region %d at 0x%x: %d of %d bytes", name,
                        region.index(), offset, done, data.length));
            }
            buffer.read(0, data, 0, data.length);
        } catch (LastErrorException e) {
            throw new KvmException(String.format("read of %s region %d at 0x%x", name, region.index(), offset),
                    e.getErrorCode());
        }
    }

    @Override
    public void write(VfioRegion region, long offset, byte[] data) {
        checkAccess(region, offset, data.length);
        try (Memory buffer = new Memory(data.length)) {
            buffer.write(0, data, 0, data.length);
            long done = LibC.pwrite(fd(), Memory.nativeValue(buffer), data.length, region.offset() + offset);
            if (done != data.length) {
                throw new KvmException(String.format("short write to %s region %d at 0x%x: %d of %d bytes", name,
                        region.index(), offset, done, data.length));
            }
        } catch (LastErrorException e) {
            throw new KvmException(String.format("write to %s region %d at 0x%x", name, region.index(), offset),
                    e.getErrorCode());
        }
    }

    private void checkAccess(VfioRegion region, long offset, int length) {
        if (length == 0 || offset < 0 || offset + length > region.size()) {
            throw new KvmException(String.format("%s region %d: access of %d bytes at 0x%x is outside its 0x%x bytes",
                    name, region.index(), length, offset, region.size()));
        }
    }

    @Override
    public HostMapping map(VfioRegion region, long offset, long size) {
        boolean inArea = region.mmapAreas().stream()
                .anyMatch(area -> offset >= area.offset() && offset + size <= area.end());
        if (size <= 0 || offset % PAGE != 0 || size % PAGE != 0 || !inArea) {
            throw new KvmException(String.format("%s region %d: 0x%x bytes at 0x%x are not a page-aligned part of an"
                    + " mmap area", name, region.index(), size, offset));
        }
        long address;
        try {
            address = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd(),
                    region.offset() + offset);
        } catch (LastErrorException e) {
            throw new KvmException(String.format("mmap of %s region %d at 0x%x", name, region.index(), offset),
                    e.getErrorCode());
        }
        return new HostMapping() {
            private boolean closed;

            @Override
            public long hostAddress() {
                return address;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    LibC.munmap(address, size);
                }
            }
        };
    }

    @Override
    public void setTriggers(int index, List<EventNotifier> eventFds) {
        int count = eventFds.size();
        int argsz = VfioAbi.SIZEOF_VFIO_IRQ_SET + 4 * count;
        try (Memory set = new Memory(argsz)) {
            set.clear();
            set.setInt(VfioAbi.IRQ_SET_ARGSZ, argsz);
            set.setInt(VfioAbi.IRQ_SET_FLAGS, VfioAbi.VFIO_IRQ_SET_DATA_EVENTFD | VfioAbi.VFIO_IRQ_SET_ACTION_TRIGGER);
            set.setInt(VfioAbi.IRQ_SET_INDEX, index);
            set.setInt(VfioAbi.IRQ_SET_START, 0);
            set.setInt(VfioAbi.IRQ_SET_COUNT, count);
            for (int i = 0; i < count; i++) {
                EventNotifier eventFd = eventFds.get(i);
                set.setInt(VfioAbi.IRQ_SET_DATA + 4L * i, eventFd == null ? -1 : eventFd.fd());
            }
            ioctl("VFIO_DEVICE_SET_IRQS " + index + " with " + count + " eventfds", VfioAbi.VFIO_DEVICE_SET_IRQS,
                    Memory.nativeValue(set));
        }
    }

    @Override
    public void disableTriggers(int index) {
        try (Memory set = new Memory(VfioAbi.SIZEOF_VFIO_IRQ_SET)) {
            set.clear();
            set.setInt(VfioAbi.IRQ_SET_ARGSZ, VfioAbi.SIZEOF_VFIO_IRQ_SET);
            set.setInt(VfioAbi.IRQ_SET_FLAGS, VfioAbi.VFIO_IRQ_SET_DATA_NONE | VfioAbi.VFIO_IRQ_SET_ACTION_TRIGGER);
            set.setInt(VfioAbi.IRQ_SET_INDEX, index);
            ioctl("VFIO_DEVICE_SET_IRQS " + index + " off", VfioAbi.VFIO_DEVICE_SET_IRQS, Memory.nativeValue(set));
        }
    }

    @Override
    public void unmaskIntxOn(EventNotifier eventFd) {
        int argsz = VfioAbi.SIZEOF_VFIO_IRQ_SET + 4;
        try (Memory set = new Memory(argsz)) {
            set.clear();
            set.setInt(VfioAbi.IRQ_SET_ARGSZ, argsz);
            set.setInt(VfioAbi.IRQ_SET_FLAGS, VfioAbi.VFIO_IRQ_SET_DATA_EVENTFD | VfioAbi.VFIO_IRQ_SET_ACTION_UNMASK);
            set.setInt(VfioAbi.IRQ_SET_INDEX, VfioAbi.VFIO_PCI_INTX_IRQ_INDEX);
            set.setInt(VfioAbi.IRQ_SET_COUNT, 1);
            set.setInt(VfioAbi.IRQ_SET_DATA, eventFd.fd());
            ioctl("VFIO_DEVICE_SET_IRQS INTx unmask eventfd", VfioAbi.VFIO_DEVICE_SET_IRQS, Memory.nativeValue(set));
        }
    }

    @Override
    public void reset() {
        ioctl("VFIO_DEVICE_RESET of " + name, VfioAbi.VFIO_DEVICE_RESET, 0);
    }

    @Override
    public void dmaMap(long iova, long size, long hostAddress) {
        container.dmaMap(iova, size, hostAddress);
    }

    @Override
    public void dmaUnmap(long iova, long size) {
        container.dmaUnmap(iova, size);
    }

    @Override
    public synchronized void close() {
        super.close();
        group.close();
        container.close();
    }

    @Override
    public String toString() {
        return "VFIO device " + name;
    }
}
