package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

/** {@code /dev/vfio/vfio}: an IOMMU context (type1) and its DMA maps. */
final class VfioContainerFd extends Fd {
    static final String PATH = "/dev/vfio/vfio";

    private VfioContainerFd(int fd) {
        super("VFIO container", fd);
    }

    static VfioContainerFd open() {
        int fd;
        try {
            fd = LibC.open(PATH, LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new KvmException("open " + PATH, e.getErrorCode());
        }
        VfioContainerFd container = new VfioContainerFd(fd);
        try {
            int version = container.ioctl("VFIO_GET_API_VERSION", VfioAbi.VFIO_GET_API_VERSION, 0);
            if (version != VfioAbi.VFIO_API_VERSION) {
                throw new KvmException("VFIO API version " + version + " is not the supported " + VfioAbi.VFIO_API_VERSION);
            }
            return container;
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
    }

    /** The type1 IOMMU, v2 where the kernel has it; call once a group is in the container. */
    void setType1Iommu() {
        int type = ioctl("VFIO_CHECK_EXTENSION", VfioAbi.VFIO_CHECK_EXTENSION, VfioAbi.VFIO_TYPE1v2_IOMMU) > 0
                ? VfioAbi.VFIO_TYPE1v2_IOMMU : VfioAbi.VFIO_TYPE1_IOMMU;
        if (ioctl("VFIO_CHECK_EXTENSION", VfioAbi.VFIO_CHECK_EXTENSION, type) <= 0) {
            throw new KvmException("not supported: the host's VFIO has no type1 IOMMU (is vfio_iommu_type1 loaded?)");
        }
        ioctl("VFIO_SET_IOMMU", VfioAbi.VFIO_SET_IOMMU, type);
    }

    void dmaMap(long iova, long size, long hostAddress) {
        try (Memory map = new Memory(VfioAbi.SIZEOF_VFIO_DMA_MAP)) {
            map.clear();
            map.setInt(VfioAbi.DMA_MAP_ARGSZ, VfioAbi.SIZEOF_VFIO_DMA_MAP);
            map.setInt(VfioAbi.DMA_MAP_FLAGS, VfioAbi.VFIO_DMA_MAP_FLAG_READ | VfioAbi.VFIO_DMA_MAP_FLAG_WRITE);
            map.setLong(VfioAbi.DMA_MAP_VADDR, hostAddress);
            map.setLong(VfioAbi.DMA_MAP_IOVA, iova);
            map.setLong(VfioAbi.DMA_MAP_SIZE, size);
            ioctl(String.format("VFIO_IOMMU_MAP_DMA of 0x%x bytes at 0x%x", size, iova), VfioAbi.VFIO_IOMMU_MAP_DMA,
                    Memory.nativeValue(map));
        }
    }

    void dmaUnmap(long iova, long size) {
        try (Memory unmap = new Memory(VfioAbi.SIZEOF_VFIO_DMA_UNMAP)) {
            unmap.clear();
            unmap.setInt(VfioAbi.DMA_UNMAP_ARGSZ, VfioAbi.SIZEOF_VFIO_DMA_UNMAP);
            unmap.setLong(VfioAbi.DMA_UNMAP_IOVA, iova);
            unmap.setLong(VfioAbi.DMA_UNMAP_SIZE, size);
            ioctl(String.format("VFIO_IOMMU_UNMAP_DMA of 0x%x bytes at 0x%x", size, iova), VfioAbi.VFIO_IOMMU_UNMAP_DMA,
                    Memory.nativeValue(unmap));
        }
    }
}
