package io.hotvisor.vmm.api.vfio;

import java.util.List;

/**
 * One region of a VFIO device (vfio-pci: BARs 0-5, the ROM, the configuration space) as
 * {@code VFIO_DEVICE_GET_REGION_INFO} describes it.
 *
 * @param index        the region index
 * @param size         bytes; 0 for a region the device does not implement
 * @param offset       where the region starts in the device fd (for pread, pwrite and mmap)
 * @param flags        the kernel's {@code VFIO_REGION_INFO_FLAG_*}
 * @param mmapAreas    the parts that may be mapped: the sparse-mmap capability's areas, else the
 *                     whole region when it is mappable, else none
 * @param msixMappable the kernel lets the MSI-X table and PBA be mapped too
 *                     ({@code VFIO_REGION_INFO_CAP_MSIX_MAPPABLE})
 */
public record VfioRegion(int index, long size, long offset, int flags, List<Area> mmapAreas, boolean msixMappable) {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int MMAP = 4;

    /** A mappable part of a region, relative to its start. */
    public record Area(long offset, long size) {
        public long end() {
            return offset + size;
        }
    }

    public VfioRegion {
        mmapAreas = List.copyOf(mmapAreas);
    }

    public boolean implemented() {
        return size > 0;
    }

    public boolean mappable() {
        return (flags & MMAP) != 0 && !mmapAreas.isEmpty();
    }
}
