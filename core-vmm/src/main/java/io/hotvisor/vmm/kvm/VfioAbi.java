package io.hotvisor.vmm.kvm;

/**
 * Every VFIO ioctl number, flag and struct layout Hotvisor uses, in one place (linux/vfio.h,
 * the container/group uAPI with the type1 IOMMU). {@code KvmAbiTest} compiles a C program against
 * the kernel headers and compares each value. VFIO's ioctls are all {@code _IO(';', 100 + n)}:
 * the argument size is not encoded, each struct carries it in {@code argsz} instead.
 */
public final class VfioAbi {
    private VfioAbi() {
    }

    private static final int VFIO_TYPE = ';';
    private static final int VFIO_BASE = 100;

    static long io(int nr) {
        return (VFIO_TYPE << 8) | (VFIO_BASE + nr);
    }

    public static final int VFIO_API_VERSION = 0;

    // extensions and IOMMU types (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU)
    public static final int VFIO_TYPE1_IOMMU = 1;
    public static final int VFIO_TYPE1v2_IOMMU = 3;

    // container ioctls
    public static final long VFIO_GET_API_VERSION = io(0);
    public static final long VFIO_CHECK_EXTENSION = io(1);
    public static final long VFIO_SET_IOMMU = io(2);
    public static final long VFIO_IOMMU_MAP_DMA = io(13);
    public static final long VFIO_IOMMU_UNMAP_DMA = io(14);

    // group ioctls
    public static final long VFIO_GROUP_GET_STATUS = io(3);
    public static final long VFIO_GROUP_SET_CONTAINER = io(4);
    public static final long VFIO_GROUP_UNSET_CONTAINER = io(5);
    public static final long VFIO_GROUP_GET_DEVICE_FD = io(6);

    // device ioctls
    public static final long VFIO_DEVICE_GET_INFO = io(7);
    public static final long VFIO_DEVICE_GET_REGION_INFO = io(8);
    public static final long VFIO_DEVICE_GET_IRQ_INFO = io(9);
    public static final long VFIO_DEVICE_SET_IRQS = io(10);
    public static final long VFIO_DEVICE_RESET = io(11);

    // struct vfio_group_status
    public static final int SIZEOF_VFIO_GROUP_STATUS = 8;
    public static final int GROUP_STATUS_ARGSZ = 0;
    public static final int GROUP_STATUS_FLAGS = 4;
    public static final int VFIO_GROUP_FLAGS_VIABLE = 1;

    // struct vfio_device_info
    public static final int SIZEOF_VFIO_DEVICE_INFO = 20;
    public static final int DEVICE_INFO_ARGSZ = 0;
    public static final int DEVICE_INFO_FLAGS = 4;
    public static final int DEVICE_INFO_NUM_REGIONS = 8;
    public static final int DEVICE_INFO_NUM_IRQS = 12;
    public static final int VFIO_DEVICE_FLAGS_RESET = 1;
    public static final int VFIO_DEVICE_FLAGS_PCI = 2;

    // struct vfio_region_info and its capability chain
    public static final int SIZEOF_VFIO_REGION_INFO = 32;
    public static final int REGION_INFO_ARGSZ = 0;
    public static final int REGION_INFO_FLAGS = 4;
    public static final int REGION_INFO_INDEX = 8;
    public static final int REGION_INFO_CAP_OFFSET = 12;
    public static final int REGION_INFO_SIZE = 16;
    public static final int REGION_INFO_OFFSET = 24;
    public static final int VFIO_REGION_INFO_FLAG_READ = 1;
    public static final int VFIO_REGION_INFO_FLAG_WRITE = 2;
    public static final int VFIO_REGION_INFO_FLAG_MMAP = 4;
    public static final int VFIO_REGION_INFO_FLAG_CAPS = 8;
    public static final int CAP_HEADER_ID = 0;
    public static final int CAP_HEADER_NEXT = 4;
    public static final int VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
    public static final int VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;
    public static final int SPARSE_MMAP_NR_AREAS = 8;
    public static final int SPARSE_MMAP_AREAS = 16;
    public static final int SIZEOF_VFIO_REGION_SPARSE_MMAP_AREA = 16;
    public static final int SPARSE_MMAP_AREA_OFFSET = 0;
    public static final int SPARSE_MMAP_AREA_SIZE = 8;

    // vfio-pci's fixed region and IRQ indexes
    public static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
    public static final int VFIO_PCI_ROM_REGION_INDEX = 6;
    public static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
    public static final int VFIO_PCI_INTX_IRQ_INDEX = 0;
    public static final int VFIO_PCI_MSI_IRQ_INDEX = 1;
    public static final int VFIO_PCI_MSIX_IRQ_INDEX = 2;

    // struct vfio_irq_info
    public static final int SIZEOF_VFIO_IRQ_INFO = 16;
    public static final int IRQ_INFO_ARGSZ = 0;
    public static final int IRQ_INFO_FLAGS = 4;
    public static final int IRQ_INFO_INDEX = 8;
    public static final int IRQ_INFO_COUNT = 12;
    public static final int VFIO_IRQ_INFO_EVENTFD = 1;

    // struct vfio_irq_set, followed by count s32 eventfds
    public static final int SIZEOF_VFIO_IRQ_SET = 20;
    public static final int IRQ_SET_ARGSZ = 0;
    public static final int IRQ_SET_FLAGS = 4;
    public static final int IRQ_SET_INDEX = 8;
    public static final int IRQ_SET_START = 12;
    public static final int IRQ_SET_COUNT = 16;
    public static final int IRQ_SET_DATA = 20;
    public static final int VFIO_IRQ_SET_DATA_NONE = 1;
    public static final int VFIO_IRQ_SET_DATA_EVENTFD = 4;
    public static final int VFIO_IRQ_SET_ACTION_UNMASK = 16;
    public static final int VFIO_IRQ_SET_ACTION_TRIGGER = 32;

    // struct vfio_iommu_type1_dma_map / dma_unmap
    public static final int SIZEOF_VFIO_DMA_MAP = 32;
    public static final int DMA_MAP_ARGSZ = 0;
    public static final int DMA_MAP_FLAGS = 4;
    public static final int DMA_MAP_VADDR = 8;
    public static final int DMA_MAP_IOVA = 16;
    public static final int DMA_MAP_SIZE = 24;
    public static final int VFIO_DMA_MAP_FLAG_READ = 1;
    public static final int VFIO_DMA_MAP_FLAG_WRITE = 2;
    public static final int SIZEOF_VFIO_DMA_UNMAP = 24;
    public static final int DMA_UNMAP_ARGSZ = 0;
    public static final int DMA_UNMAP_FLAGS = 4;
    public static final int DMA_UNMAP_IOVA = 8;
    public static final int DMA_UNMAP_SIZE = 16;
}
