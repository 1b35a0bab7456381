package io.hotvisor.vmm.arch;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.boot.ElfKernel;
import io.hotvisor.vmm.boot.HvmStartInfo;
import io.hotvisor.vmm.boot.KernelImage;
import io.hotvisor.vmm.memory.GuestRam;
import io.hotvisor.vmm.testing.GuestKit;
import io.hotvisor.vmm.testing.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** {@link KernelBoot} picks the protocol by image format and lays out memory for it. No KVM needed. */
class KernelBootTest {
    private static final GuestAddress RSDP = GuestAddress.of(0xE0000);

    private static GuestRam ram(MemoryMap map) {
        return GuestRam.map(map.ramStarts(), map.ramSizes());
    }

    @Test
    void theProbeImageBootsThroughTheLinux64BitProtocol() {
        MemoryMap map = new MemoryMap(64L << 20);
        try (GuestRam ram = ram(map)) {
            KernelBoot.Entry entry = KernelBoot.load(ram, KernelImage.open(TestImages.probeGuest()), null, "x", map, RSDP);

            assertThat(entry.protocol()).isEqualTo(KernelBoot.Protocol.LINUX_64);
            assertThat(entry.entry()).isEqualTo(GuestAddress.of(0x100200));
            assertThat(entry.bootInfo()).isEqualTo(Layout.ZERO_PAGE);
            assertThat(ram.readLong(Layout.PML4)).as("identity map written").isNotZero();
        }
    }

    @Test
    void theProbeElfBootsThroughPvh() {
        MemoryMap map = new MemoryMap(64L << 20);
        try (GuestRam ram = ram(map)) {
            ElfKernel elf = (ElfKernel) KernelImage.open(TestImages.probeGuestElf());
            KernelBoot.Entry entry = KernelBoot.load(ram, elf, null, "x", map, RSDP);

            assertThat(entry.protocol()).isEqualTo(KernelBoot.Protocol.PVH);
            assertThat(entry.entry().value()).isEqualTo(elf.pvhEntry());
            assertThat(entry.bootInfo()).isEqualTo(Layout.PVH_START_INFO);
            assertThat(ram.readInt(Layout.PVH_START_INFO)).isEqualTo(HvmStartInfo.MAGIC);
            assertThat(ram.readInt(Layout.PVH_START_INFO.plus(HvmStartInfo.MEMMAP_ENTRIES_OFFSET)))
                    .isEqualTo(map.e820().size());
            assertThat(ram.readLong(Layout.BOOT_GDT.plus(ProtectedModeBoot.CODE32))).isEqualTo(
                    ProtectedModeBoot.GDT[ProtectedModeBoot.CODE32 / 8]);
        }
    }

    /** The guest kit's Debian vmlinux and initramfs, laid out for a 256 MiB VM as the lab boots them. */
    @Test
    void theDebianVmlinuxAndTheKitInitramfsFitA256MiBGuest() throws IOException {
        GuestKit kit = GuestKit.load();
        MemoryMap map = new MemoryMap(256L << 20);
        try (GuestRam ram = ram(map)) {
            ElfKernel kernel = (ElfKernel) KernelImage.open(kit.vmlinux());
            KernelBoot.Entry entry = KernelBoot.load(ram, kernel, kit.initramfs(), kit.cmdline(), map, RSDP);

            assertThat(entry.protocol()).isEqualTo(KernelBoot.Protocol.PVH);
            assertThat(entry.entry().value()).isEqualTo(kernel.pvhEntry());
            assertThat(entry.initrdSize()).isEqualTo(Files.size(kit.initramfs()));
            assertThat(entry.initrd().value()).isGreaterThanOrEqualTo(kernel.end());
            assertThat(entry.initrd().value() + entry.initrdSize()).isLessThanOrEqualTo(map.lowRamEnd());
            // The bytes at the PVH entry are the file's: find them through the segment that holds them.
            ElfKernel.Segment text = kernel.segments().stream()
                    .filter(s -> kernel.pvhEntry() >= s.physicalAddress() && kernel.pvhEntry() < s.end())
                    .findFirst().orElseThrow();
            byte[] expected = new byte[64];
            try (RandomAccessFile file = new RandomAccessFile(kit.vmlinux().toFile(), "r")) {
                file.seek(text.fileOffset() + kernel.pvhEntry() - text.physicalAddress());
                file.readFully(expected);
            }
            byte[] loaded = new byte[64];
            ram.read(entry.entry(), loaded, 0, 64);
            assertThat(loaded).isEqualTo(expected);
            byte[] cpioMagic = new byte[6];
            ram.read(entry.initrd(), cpioMagic, 0, 6);
            assertThat(new String(cpioMagic)).as("newc cpio").isEqualTo("070701");
        }
    }
}
