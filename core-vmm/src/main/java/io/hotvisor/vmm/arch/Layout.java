package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.api.GuestAddress;

/** The x86-64 guest physical memory map and port map (DESIGN.md §4). */
public final class Layout {
    private Layout() {
    }

    public static final GuestAddress BOOT_GDT = GuestAddress.of(0x500);
    /** PVH boot: hvm_start_info, module list and memory map (one page; no zero page then). */
    public static final GuestAddress PVH_START_INFO = GuestAddress.of(0x6000);
    public static final GuestAddress ZERO_PAGE = GuestAddress.of(0x7000);
    public static final GuestAddress BOOT_STACK_TOP = GuestAddress.of(0x8ff0);
    public static final GuestAddress PML4 = GuestAddress.of(0x9000);
    public static final GuestAddress PDPT = GuestAddress.of(0xA000);
    /** Four page directories of 2 MiB pages: the low 4 GiB identity map. */
    public static final GuestAddress PAGE_DIRECTORIES = GuestAddress.of(0xB000);
    public static final GuestAddress CMDLINE = GuestAddress.of(0x20000);
    public static final long CMDLINE_MAX = 0x10000;

    /** End of low RAM; 0xA0000-0xFFFFF is reserved (RSDP, ACPI tables live there). */
    public static final long LOW_RAM_END = 0xA0000;
    public static final long BIOS_AREA_END = 0x100000;
    public static final GuestAddress KERNEL_START = GuestAddress.of(0x100000);

    /** RAM below 4 GiB ends where the 32-bit MMIO hole starts. */
    public static final long MMIO_32_START = 0xC000_0000L;
    public static final long MMIO_32_SIZE = 0x2000_0000L;
    public static final long PCIE_ECAM_START = 0xE000_0000L;
    public static final long PCIE_ECAM_SIZE = 0x1000_0000L;
    public static final long PLATFORM_DEVICES_START = 0xF000_0000L;
    public static final long PLATFORM_DEVICES_SIZE = 0x0100_0000L;
    public static final long IOAPIC_START = 0xFEC0_0000L;
    public static final long LAPIC_START = 0xFEE0_0000L;
    public static final long IDENTITY_MAP_ADDR = 0xFFFB_C000L;
    public static final long TSS_ADDR = 0xFFFB_D000L;
    /** KVM's identity map page plus its three TSS pages, reserved in e820. */
    public static final long KVM_PRIVATE_END = 0xFFFC_0000L;
    public static final long HIGH_RAM_START = 0x1_0000_0000L;
    public static final long PCI_MMIO_64_ALIGNMENT = 1L << 30;
    /** Room for large BARs (VFIO GPUs), small enough for 36 physical address bits with 4 GiB of RAM. */
    public static final long PCI_MMIO_64_SIZE = 16L << 30;

    // I/O ports
    public static final int PORT_I8042_DATA = 0x60;
    public static final int PORT_I8042_COMMAND = 0x64;
    public static final int PORT_DEBUG = 0x80;
    public static final int PORT_COM1 = 0x3F8;
    public static final int PORT_ACPI_SLEEP_RESET = 0x600;
    public static final int PORT_ACPI_PM_TIMER = 0x608;
    public static final int COM1_GSI = 4;
}
