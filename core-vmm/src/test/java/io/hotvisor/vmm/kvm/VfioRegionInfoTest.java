package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import org.junit.jupiter.api.Test;

/** The region info as the kernel fills it, with its capability chain, read without a device. */
class VfioRegionInfoTest {
    private static Memory info(int flags, long size, long offset, int capOffset, int argsz) {
        Memory info = new Memory(256);
        info.clear();
        info.setInt(VfioAbi.REGION_INFO_ARGSZ, argsz);
        info.setInt(VfioAbi.REGION_INFO_FLAGS, flags);
        info.setInt(VfioAbi.REGION_INFO_CAP_OFFSET, capOffset);
        info.setLong(VfioAbi.REGION_INFO_SIZE, size);
        info.setLong(VfioAbi.REGION_INFO_OFFSET, offset);
        return info;
    }

    @Test
    void aMappableRegionWithoutCapabilitiesIsOneArea() {
        try (Memory info = info(VfioAbi.VFIO_REGION_INFO_FLAG_READ | VfioAbi.VFIO_REGION_INFO_FLAG_MMAP, 0x4000,
                0x20000000000L, 0, 32)) {
            VfioRegion region = VfioDeviceFd.regionInfo(info, 2);
            assertThat(region.offset()).isEqualTo(0x20000000000L);
            assertThat(region.mmapAreas()).containsExactly(new VfioRegion.Area(0, 0x4000));
            assertThat(region.msixMappable()).isFalse();
        }
    }

    @Test
    void sparseAreasAndMsixMappableComeFromTheCapabilityChain() {
        int flags = VfioAbi.VFIO_REGION_INFO_FLAG_MMAP | VfioAbi.VFIO_REGION_INFO_FLAG_CAPS;
        try (Memory info = info(flags, 0x4000, 0, 32, 32 + 16 + 2 * 16 + 8)) {
            info.setShort(32 + VfioAbi.CAP_HEADER_ID, (short) VfioAbi.VFIO_REGION_INFO_CAP_SPARSE_MMAP);
            info.setInt(32 + VfioAbi.CAP_HEADER_NEXT, 80);
            info.setInt(32 + VfioAbi.SPARSE_MMAP_NR_AREAS, 2);
            info.setLong(32 + VfioAbi.SPARSE_MMAP_AREAS, 0);
            info.setLong(32 + VfioAbi.SPARSE_MMAP_AREAS + 8, 0x1000);
            info.setLong(32 + VfioAbi.SPARSE_MMAP_AREAS + 16, 0x3000);
            info.setLong(32 + VfioAbi.SPARSE_MMAP_AREAS + 24, 0x1000);
            info.setShort(80 + VfioAbi.CAP_HEADER_ID, (short) VfioAbi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
            VfioRegion region = VfioDeviceFd.regionInfo(info, 0);
            assertThat(region.mmapAreas()).containsExactly(new VfioRegion.Area(0, 0x1000),
                    new VfioRegion.Area(0x3000, 0x1000));
            assertThat(region.msixMappable()).isTrue();
        }
    }

    @Test
    void aChainPointingBackwardsEnds() {
        int flags = VfioAbi.VFIO_REGION_INFO_FLAG_CAPS;
        try (Memory info = info(flags, 0x100, 0, 32, 64)) {
            info.setShort(32 + VfioAbi.CAP_HEADER_ID, (short) VfioAbi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
            info.setInt(32 + VfioAbi.CAP_HEADER_NEXT, 32);
            assertThat(VfioDeviceFd.regionInfo(info, 0).msixMappable()).isTrue();
        }
    }
}
