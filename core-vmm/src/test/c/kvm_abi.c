/*
 * Prints the KVM and libc ABI constants core-vmm hard-codes, as the kernel and libc headers of
 * the build host define them: one "Class.FIELD VALUE" line each, where Class.FIELD is the Java
 * field (io.hotvisor.vmm.kvm.KvmAbi / VfioAbi / LibC / CpuidEntry) that must hold VALUE (signed decimal).
 * Compiled and run by KvmAbiTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define P(cls, name, expr) printf("%s.%s %lld\n", cls, name, (long long) (expr))
#define K(name, expr) P("KvmAbi", name, expr)
#define L(name, expr) P("LibC", name, expr)
#define V(name, expr) P("VfioAbi", name, expr)
#define OFF(type, member) offsetof(type, member)

int main(void) {
    K("API_VERSION", KVM_API_VERSION);

    /* struct sizes */
    K("SIZEOF_KVM_REGS", sizeof(struct kvm_regs));
    K("SIZEOF_KVM_SREGS", sizeof(struct kvm_sregs));
    K("SIZEOF_KVM_SEGMENT", sizeof(struct kvm_segment));
    K("SIZEOF_KVM_DTABLE", sizeof(struct kvm_dtable));
    K("SIZEOF_KVM_FPU", sizeof(struct kvm_fpu));
    K("SIZEOF_KVM_LAPIC_STATE", sizeof(struct kvm_lapic_state));
    K("SIZEOF_KVM_CPUID2", sizeof(struct kvm_cpuid2));
    K("SIZEOF_KVM_CPUID_ENTRY2", sizeof(struct kvm_cpuid_entry2));
    K("SIZEOF_KVM_MSRS", sizeof(struct kvm_msrs));
    K("SIZEOF_KVM_MSR_ENTRY", sizeof(struct kvm_msr_entry));
    K("SIZEOF_KVM_MSR_LIST", sizeof(struct kvm_msr_list));
    K("SIZEOF_KVM_USERSPACE_MEMORY_REGION", sizeof(struct kvm_userspace_memory_region));
    K("SIZEOF_KVM_IRQ_LEVEL", sizeof(struct kvm_irq_level));
    K("SIZEOF_KVM_PIT_CONFIG", sizeof(struct kvm_pit_config));
    K("SIZEOF_KVM_MP_STATE", sizeof(struct kvm_mp_state));
    K("SIZEOF_KVM_IRQFD", sizeof(struct kvm_irqfd));
    K("SIZEOF_KVM_IRQ_ROUTING", sizeof(struct kvm_irq_routing));
    K("SIZEOF_KVM_IRQ_ROUTING_ENTRY", sizeof(struct kvm_irq_routing_entry));
    K("SIZEOF_KVM_IOEVENTFD", sizeof(struct kvm_ioeventfd));
    K("SIZEOF_KVM_MSI", sizeof(struct kvm_msi));

    /* system ioctls */
    K("KVM_GET_API_VERSION", KVM_GET_API_VERSION);
    K("KVM_CREATE_VM", KVM_CREATE_VM);
    K("KVM_GET_MSR_INDEX_LIST", KVM_GET_MSR_INDEX_LIST);
    K("KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION);
    K("KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE);
    K("KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID);

    /* VM ioctls */
    K("KVM_CREATE_VCPU", KVM_CREATE_VCPU);
    K("KVM_SET_USER_MEMORY_REGION", KVM_SET_USER_MEMORY_REGION);
    K("KVM_SET_TSS_ADDR", KVM_SET_TSS_ADDR);
    K("KVM_SET_IDENTITY_MAP_ADDR", KVM_SET_IDENTITY_MAP_ADDR);
    K("KVM_CREATE_IRQCHIP", KVM_CREATE_IRQCHIP);
    K("KVM_IRQ_LINE", KVM_IRQ_LINE);
    K("KVM_SET_GSI_ROUTING", KVM_SET_GSI_ROUTING);
    K("KVM_IRQFD", KVM_IRQFD);
    K("KVM_CREATE_PIT2", KVM_CREATE_PIT2);
    K("KVM_IOEVENTFD", KVM_IOEVENTFD);
    K("KVM_SIGNAL_MSI", KVM_SIGNAL_MSI);

    /* vCPU ioctls */
    K("KVM_RUN", KVM_RUN);
    K("KVM_GET_REGS", KVM_GET_REGS);
    K("KVM_SET_REGS", KVM_SET_REGS);
    K("KVM_GET_SREGS", KVM_GET_SREGS);
    K("KVM_SET_SREGS", KVM_SET_SREGS);
    K("KVM_SET_MSRS", KVM_SET_MSRS);
    K("KVM_GET_FPU", KVM_GET_FPU);
    K("KVM_SET_FPU", KVM_SET_FPU);
    K("KVM_GET_LAPIC", KVM_GET_LAPIC);
    K("KVM_SET_LAPIC", KVM_SET_LAPIC);
    K("KVM_SET_CPUID2", KVM_SET_CPUID2);
    K("KVM_GET_MP_STATE", KVM_GET_MP_STATE);
    K("KVM_SET_MP_STATE", KVM_SET_MP_STATE);

    /* capabilities */
    K("KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP);
    K("KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY);
    K("KVM_CAP_SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR);
    K("KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID);
    K("KVM_CAP_NR_VCPUS", KVM_CAP_NR_VCPUS);
    K("KVM_CAP_NR_MEMSLOTS", KVM_CAP_NR_MEMSLOTS);
    K("KVM_CAP_MP_STATE", KVM_CAP_MP_STATE);
    K("KVM_CAP_IRQ_ROUTING", KVM_CAP_IRQ_ROUTING);
    K("KVM_CAP_IRQFD", KVM_CAP_IRQFD);
    K("KVM_CAP_PIT2", KVM_CAP_PIT2);
    K("KVM_CAP_IOEVENTFD", KVM_CAP_IOEVENTFD);
    K("KVM_CAP_SET_IDENTITY_MAP_ADDR", KVM_CAP_SET_IDENTITY_MAP_ADDR);
    K("KVM_CAP_MAX_VCPUS", KVM_CAP_MAX_VCPUS);
    K("KVM_CAP_SIGNAL_MSI", KVM_CAP_SIGNAL_MSI);
    K("KVM_CAP_IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT);

    /* struct kvm_run */
    K("RUN_IMMEDIATE_EXIT", OFF(struct kvm_run, immediate_exit));
    K("RUN_EXIT_REASON", OFF(struct kvm_run, exit_reason));
    K("RUN_IO_DIRECTION", OFF(struct kvm_run, io.direction));
    K("RUN_IO_SIZE", OFF(struct kvm_run, io.size));
    K("RUN_IO_PORT", OFF(struct kvm_run, io.port));
    K("RUN_IO_COUNT", OFF(struct kvm_run, io.count));
    K("RUN_IO_DATA_OFFSET", OFF(struct kvm_run, io.data_offset));
    K("RUN_MMIO_PHYS_ADDR", OFF(struct kvm_run, mmio.phys_addr));
    K("RUN_MMIO_DATA", OFF(struct kvm_run, mmio.data));
    K("RUN_MMIO_LEN", OFF(struct kvm_run, mmio.len));
    K("RUN_MMIO_IS_WRITE", OFF(struct kvm_run, mmio.is_write));
    K("RUN_SYSTEM_EVENT_TYPE", OFF(struct kvm_run, system_event.type));
    K("RUN_INTERNAL_SUBERROR", OFF(struct kvm_run, internal.suberror));
    K("RUN_FAIL_ENTRY_REASON", OFF(struct kvm_run, fail_entry.hardware_entry_failure_reason));

    /* exit reasons */
    K("KVM_EXIT_UNKNOWN", KVM_EXIT_UNKNOWN);
    K("KVM_EXIT_EXCEPTION", KVM_EXIT_EXCEPTION);
    K("KVM_EXIT_IO", KVM_EXIT_IO);
    K("KVM_EXIT_HLT", KVM_EXIT_HLT);
    K("KVM_EXIT_MMIO", KVM_EXIT_MMIO);
    K("KVM_EXIT_SHUTDOWN", KVM_EXIT_SHUTDOWN);
    K("KVM_EXIT_FAIL_ENTRY", KVM_EXIT_FAIL_ENTRY);
    K("KVM_EXIT_INTR", KVM_EXIT_INTR);
    K("KVM_EXIT_INTERNAL_ERROR", KVM_EXIT_INTERNAL_ERROR);
    K("KVM_EXIT_SYSTEM_EVENT", KVM_EXIT_SYSTEM_EVENT);
    K("KVM_EXIT_IO_OUT", KVM_EXIT_IO_OUT);

    /* struct kvm_sregs */
    K("SREGS_CS", OFF(struct kvm_sregs, cs));
    K("SREGS_DS", OFF(struct kvm_sregs, ds));
    K("SREGS_ES", OFF(struct kvm_sregs, es));
    K("SREGS_FS", OFF(struct kvm_sregs, fs));
    K("SREGS_GS", OFF(struct kvm_sregs, gs));
    K("SREGS_SS", OFF(struct kvm_sregs, ss));
    K("SREGS_TR", OFF(struct kvm_sregs, tr));
    K("SREGS_LDT", OFF(struct kvm_sregs, ldt));
    K("SREGS_GDT", OFF(struct kvm_sregs, gdt));
    K("SREGS_IDT", OFF(struct kvm_sregs, idt));
    K("SREGS_CR0", OFF(struct kvm_sregs, cr0));
    K("SREGS_CR2", OFF(struct kvm_sregs, cr2));
    K("SREGS_CR3", OFF(struct kvm_sregs, cr3));
    K("SREGS_CR4", OFF(struct kvm_sregs, cr4));
    K("SREGS_CR8", OFF(struct kvm_sregs, cr8));
    K("SREGS_EFER", OFF(struct kvm_sregs, efer));
    K("SREGS_APIC_BASE", OFF(struct kvm_sregs, apic_base));

    /* struct kvm_segment */
    K("SEG_BASE", OFF(struct kvm_segment, base));
    K("SEG_LIMIT", OFF(struct kvm_segment, limit));
    K("SEG_SELECTOR", OFF(struct kvm_segment, selector));
    K("SEG_TYPE", OFF(struct kvm_segment, type));
    K("SEG_PRESENT", OFF(struct kvm_segment, present));
    K("SEG_DPL", OFF(struct kvm_segment, dpl));
    K("SEG_DB", OFF(struct kvm_segment, db));
    K("SEG_S", OFF(struct kvm_segment, s));
    K("SEG_L", OFF(struct kvm_segment, l));
    K("SEG_G", OFF(struct kvm_segment, g));
    K("SEG_AVL", OFF(struct kvm_segment, avl));
    K("SEG_UNUSABLE", OFF(struct kvm_segment, unusable));

    /* struct kvm_dtable */
    K("DTABLE_BASE", OFF(struct kvm_dtable, base));
    K("DTABLE_LIMIT", OFF(struct kvm_dtable, limit));

    /* struct kvm_regs */
    K("REGS_RAX", OFF(struct kvm_regs, rax));
    K("REGS_RBX", OFF(struct kvm_regs, rbx));
    K("REGS_RCX", OFF(struct kvm_regs, rcx));
    K("REGS_RDX", OFF(struct kvm_regs, rdx));
    K("REGS_RSI", OFF(struct kvm_regs, rsi));
    K("REGS_RDI", OFF(struct kvm_regs, rdi));
    K("REGS_RSP", OFF(struct kvm_regs, rsp));
    K("REGS_RBP", OFF(struct kvm_regs, rbp));
    K("REGS_R8", OFF(struct kvm_regs, r8));
    K("REGS_RIP", OFF(struct kvm_regs, rip));
    K("REGS_RFLAGS", OFF(struct kvm_regs, rflags));

    /* struct kvm_fpu */
    K("FPU_FCW", OFF(struct kvm_fpu, fcw));
    K("FPU_MXCSR", OFF(struct kvm_fpu, mxcsr));

    /* struct kvm_cpuid_entry2 */
    K("CPUID_FUNCTION", OFF(struct kvm_cpuid_entry2, function));
    K("CPUID_INDEX", OFF(struct kvm_cpuid_entry2, index));
    K("CPUID_FLAGS", OFF(struct kvm_cpuid_entry2, flags));
    K("CPUID_EAX", OFF(struct kvm_cpuid_entry2, eax));
    K("CPUID_EBX", OFF(struct kvm_cpuid_entry2, ebx));
    K("CPUID_ECX", OFF(struct kvm_cpuid_entry2, ecx));
    K("CPUID_EDX", OFF(struct kvm_cpuid_entry2, edx));
    P("CpuidEntry", "FLAG_SIGNIFICANT_INDEX", KVM_CPUID_FLAG_SIGNIFCANT_INDEX);

    /* struct kvm_msr_entry */
    K("MSR_INDEX", OFF(struct kvm_msr_entry, index));
    K("MSR_DATA", OFF(struct kvm_msr_entry, data));

    /* struct kvm_userspace_memory_region */
    K("MEMREGION_SLOT", OFF(struct kvm_userspace_memory_region, slot));
    K("MEMREGION_FLAGS", OFF(struct kvm_userspace_memory_region, flags));
    K("MEMREGION_GUEST_PHYS_ADDR", OFF(struct kvm_userspace_memory_region, guest_phys_addr));
    K("MEMREGION_MEMORY_SIZE", OFF(struct kvm_userspace_memory_region, memory_size));
    K("MEMREGION_USERSPACE_ADDR", OFF(struct kvm_userspace_memory_region, userspace_addr));

    /* struct kvm_irq_level: irq shares a union with status */
    K("IRQ_LEVEL_IRQ", OFF(struct kvm_irq_level, irq));
    K("IRQ_LEVEL_LEVEL", OFF(struct kvm_irq_level, level));

    /* struct kvm_pit_config */
    K("PIT_CONFIG_FLAGS", OFF(struct kvm_pit_config, flags));
    K("KVM_PIT_SPEAKER_DUMMY", KVM_PIT_SPEAKER_DUMMY);

    /* struct kvm_irq_routing and its entries */
    K("IRQ_ROUTING_NR", OFF(struct kvm_irq_routing, nr));
    K("IRQ_ROUTING_ENTRIES", OFF(struct kvm_irq_routing, entries));
    K("ROUTING_ENTRY_GSI", OFF(struct kvm_irq_routing_entry, gsi));
    K("ROUTING_ENTRY_TYPE", OFF(struct kvm_irq_routing_entry, type));
    K("ROUTING_ENTRY_IRQCHIP_IRQCHIP", OFF(struct kvm_irq_routing_entry, u.irqchip.irqchip));
    K("ROUTING_ENTRY_IRQCHIP_PIN", OFF(struct kvm_irq_routing_entry, u.irqchip.pin));
    K("ROUTING_ENTRY_MSI_ADDRESS_LO", OFF(struct kvm_irq_routing_entry, u.msi.address_lo));
    K("ROUTING_ENTRY_MSI_ADDRESS_HI", OFF(struct kvm_irq_routing_entry, u.msi.address_hi));
    K("ROUTING_ENTRY_MSI_DATA", OFF(struct kvm_irq_routing_entry, u.msi.data));
    K("KVM_IRQ_ROUTING_IRQCHIP", KVM_IRQ_ROUTING_IRQCHIP);
    K("KVM_IRQ_ROUTING_MSI", KVM_IRQ_ROUTING_MSI);
    K("KVM_IRQCHIP_PIC_MASTER", KVM_IRQCHIP_PIC_MASTER);
    K("KVM_IRQCHIP_PIC_SLAVE", KVM_IRQCHIP_PIC_SLAVE);
    K("KVM_IRQCHIP_IOAPIC", KVM_IRQCHIP_IOAPIC);

    /* struct kvm_irqfd */
    K("IRQFD_FD", OFF(struct kvm_irqfd, fd));
    K("IRQFD_GSI", OFF(struct kvm_irqfd, gsi));
    K("IRQFD_FLAGS", OFF(struct kvm_irqfd, flags));
    K("KVM_IRQFD_FLAG_DEASSIGN", KVM_IRQFD_FLAG_DEASSIGN);
    K("IRQFD_RESAMPLEFD", OFF(struct kvm_irqfd, resamplefd));
    K("KVM_IRQFD_FLAG_RESAMPLE", KVM_IRQFD_FLAG_RESAMPLE);

    /* struct kvm_ioeventfd */
    K("IOEVENTFD_ADDR", OFF(struct kvm_ioeventfd, addr));
    K("IOEVENTFD_LEN", OFF(struct kvm_ioeventfd, len));
    K("IOEVENTFD_FD", OFF(struct kvm_ioeventfd, fd));
    K("IOEVENTFD_FLAGS", OFF(struct kvm_ioeventfd, flags));
    K("KVM_IOEVENTFD_FLAG_PIO", KVM_IOEVENTFD_FLAG_PIO);
    K("KVM_IOEVENTFD_FLAG_DEASSIGN", KVM_IOEVENTFD_FLAG_DEASSIGN);

    /* struct kvm_msi */
    K("MSI_ADDRESS_LO", OFF(struct kvm_msi, address_lo));
    K("MSI_ADDRESS_HI", OFF(struct kvm_msi, address_hi));
    K("MSI_DATA", OFF(struct kvm_msi, data));

    /* mp_state values */
    K("KVM_MP_STATE_RUNNABLE", KVM_MP_STATE_RUNNABLE);
    K("KVM_MP_STATE_UNINITIALIZED", KVM_MP_STATE_UNINITIALIZED);
    K("KVM_MP_STATE_HALTED", KVM_MP_STATE_HALTED);

    /* VFIO (linux/vfio.h) */
    V("VFIO_API_VERSION", VFIO_API_VERSION);
    V("VFIO_TYPE1_IOMMU", VFIO_TYPE1_IOMMU);
    V("VFIO_TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
    V("VFIO_GET_API_VERSION", VFIO_GET_API_VERSION);
    V("VFIO_CHECK_EXTENSION", VFIO_CHECK_EXTENSION);
    V("VFIO_SET_IOMMU", VFIO_SET_IOMMU);
    V("VFIO_IOMMU_MAP_DMA", VFIO_IOMMU_MAP_DMA);
    V("VFIO_IOMMU_UNMAP_DMA", VFIO_IOMMU_UNMAP_DMA);
    V("VFIO_GROUP_GET_STATUS", VFIO_GROUP_GET_STATUS);
    V("VFIO_GROUP_SET_CONTAINER", VFIO_GROUP_SET_CONTAINER);
    V("VFIO_GROUP_UNSET_CONTAINER", VFIO_GROUP_UNSET_CONTAINER);
    V("VFIO_GROUP_GET_DEVICE_FD", VFIO_GROUP_GET_DEVICE_FD);
    V("VFIO_DEVICE_GET_INFO", VFIO_DEVICE_GET_INFO);
    V("VFIO_DEVICE_GET_REGION_INFO", VFIO_DEVICE_GET_REGION_INFO);
    V("VFIO_DEVICE_GET_IRQ_INFO", VFIO_DEVICE_GET_IRQ_INFO);
    V("VFIO_DEVICE_SET_IRQS", VFIO_DEVICE_SET_IRQS);
    V("VFIO_DEVICE_RESET", VFIO_DEVICE_RESET);
    V("SIZEOF_VFIO_GROUP_STATUS", sizeof(struct vfio_group_status));
    V("GROUP_STATUS_ARGSZ", OFF(struct vfio_group_status, argsz));
    V("GROUP_STATUS_FLAGS", OFF(struct vfio_group_status, flags));
    V("VFIO_GROUP_FLAGS_VIABLE", VFIO_GROUP_FLAGS_VIABLE);
    V("SIZEOF_VFIO_DEVICE_INFO", sizeof(struct vfio_device_info));
    V("DEVICE_INFO_ARGSZ", OFF(struct vfio_device_info, argsz));
    V("DEVICE_INFO_FLAGS", OFF(struct vfio_device_info, flags));
    V("DEVICE_INFO_NUM_REGIONS", OFF(struct vfio_device_info, num_regions));
    V("DEVICE_INFO_NUM_IRQS", OFF(struct vfio_device_info, num_irqs));
    V("VFIO_DEVICE_FLAGS_RESET", VFIO_DEVICE_FLAGS_RESET);
    V("VFIO_DEVICE_FLAGS_PCI", VFIO_DEVICE_FLAGS_PCI);
    V("SIZEOF_VFIO_REGION_INFO", sizeof(struct vfio_region_info));
    V("REGION_INFO_ARGSZ", OFF(struct vfio_region_info, argsz));
    V("REGION_INFO_FLAGS", OFF(struct vfio_region_info, flags));
    V("REGION_INFO_INDEX", OFF(struct vfio_region_info, index));
    V("REGION_INFO_CAP_OFFSET", OFF(struct vfio_region_info, cap_offset));
    V("REGION_INFO_SIZE", OFF(struct vfio_region_info, size));
    V("REGION_INFO_OFFSET", OFF(struct vfio_region_info, offset));
    V("VFIO_REGION_INFO_FLAG_READ", VFIO_REGION_INFO_FLAG_READ);
    V("VFIO_REGION_INFO_FLAG_WRITE", VFIO_REGION_INFO_FLAG_WRITE);
    V("VFIO_REGION_INFO_FLAG_MMAP", VFIO_REGION_INFO_FLAG_MMAP);
    V("VFIO_REGION_INFO_FLAG_CAPS", VFIO_REGION_INFO_FLAG_CAPS);
    V("CAP_HEADER_ID", OFF(struct vfio_info_cap_header, id));
    V("CAP_HEADER_NEXT", OFF(struct vfio_info_cap_header, next));
    V("VFIO_REGION_INFO_CAP_SPARSE_MMAP", VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    V("VFIO_REGION_INFO_CAP_MSIX_MAPPABLE", VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
    V("SPARSE_MMAP_NR_AREAS", OFF(struct vfio_region_info_cap_sparse_mmap, nr_areas));
    V("SPARSE_MMAP_AREAS", OFF(struct vfio_region_info_cap_sparse_mmap, areas));
    V("SIZEOF_VFIO_REGION_SPARSE_MMAP_AREA", sizeof(struct vfio_region_sparse_mmap_area));
    V("SPARSE_MMAP_AREA_OFFSET", OFF(struct vfio_region_sparse_mmap_area, offset));
    V("SPARSE_MMAP_AREA_SIZE", OFF(struct vfio_region_sparse_mmap_area, size));
    V("VFIO_PCI_BAR0_REGION_INDEX", VFIO_PCI_BAR0_REGION_INDEX);
    V("VFIO_PCI_ROM_REGION_INDEX", VFIO_PCI_ROM_REGION_INDEX);
    V("VFIO_PCI_CONFIG_REGION_INDEX", VFIO_PCI_CONFIG_REGION_INDEX);
    V("VFIO_PCI_INTX_IRQ_INDEX", VFIO_PCI_INTX_IRQ_INDEX);
    V("VFIO_PCI_MSI_IRQ_INDEX", VFIO_PCI_MSI_IRQ_INDEX);
    V("VFIO_PCI_MSIX_IRQ_INDEX", VFIO_PCI_MSIX_IRQ_INDEX);
    V("SIZEOF_VFIO_IRQ_INFO", sizeof(struct vfio_irq_info));
    V("IRQ_INFO_ARGSZ", OFF(struct vfio_irq_info, argsz));
    V("IRQ_INFO_FLAGS", OFF(struct vfio_irq_info, flags));
    V("IRQ_INFO_INDEX", OFF(struct vfio_irq_info, index));
    V("IRQ_INFO_COUNT", OFF(struct vfio_irq_info, count));
    V("VFIO_IRQ_INFO_EVENTFD", VFIO_IRQ_INFO_EVENTFD);
    V("SIZEOF_VFIO_IRQ_SET", sizeof(struct vfio_irq_set));
    V("IRQ_SET_ARGSZ", OFF(struct vfio_irq_set, argsz));
    V("IRQ_SET_FLAGS", OFF(struct vfio_irq_set, flags));
    V("IRQ_SET_INDEX", OFF(struct vfio_irq_set, index));
    V("IRQ_SET_START", OFF(struct vfio_irq_set, start));
    V("IRQ_SET_COUNT", OFF(struct vfio_irq_set, count));
    V("IRQ_SET_DATA", OFF(struct vfio_irq_set, data));
    V("VFIO_IRQ_SET_DATA_NONE", VFIO_IRQ_SET_DATA_NONE);
    V("VFIO_IRQ_SET_DATA_EVENTFD", VFIO_IRQ_SET_DATA_EVENTFD);
    V("VFIO_IRQ_SET_ACTION_UNMASK", VFIO_IRQ_SET_ACTION_UNMASK);
    V("VFIO_IRQ_SET_ACTION_TRIGGER", VFIO_IRQ_SET_ACTION_TRIGGER);
    V("SIZEOF_VFIO_DMA_MAP", sizeof(struct vfio_iommu_type1_dma_map));
    V("DMA_MAP_ARGSZ", OFF(struct vfio_iommu_type1_dma_map, argsz));
    V("DMA_MAP_FLAGS", OFF(struct vfio_iommu_type1_dma_map, flags));
    V("DMA_MAP_VADDR", OFF(struct vfio_iommu_type1_dma_map, vaddr));
    V("DMA_MAP_IOVA", OFF(struct vfio_iommu_type1_dma_map, iova));
    V("DMA_MAP_SIZE", OFF(struct vfio_iommu_type1_dma_map, size));
    V("VFIO_DMA_MAP_FLAG_READ", VFIO_DMA_MAP_FLAG_READ);
    V("VFIO_DMA_MAP_FLAG_WRITE", VFIO_DMA_MAP_FLAG_WRITE);
    V("SIZEOF_VFIO_DMA_UNMAP", sizeof(struct vfio_iommu_type1_dma_unmap));
    V("DMA_UNMAP_ARGSZ", OFF(struct vfio_iommu_type1_dma_unmap, argsz));
    V("DMA_UNMAP_FLAGS", OFF(struct vfio_iommu_type1_dma_unmap, flags));
    V("DMA_UNMAP_IOVA", OFF(struct vfio_iommu_type1_dma_unmap, iova));
    V("DMA_UNMAP_SIZE", OFF(struct vfio_iommu_type1_dma_unmap, size));

    /* libc */
    L("O_RDWR", O_RDWR);
    L("O_CLOEXEC", O_CLOEXEC);
    L("ESRCH", ESRCH);
    L("EINTR", EINTR);
    L("EAGAIN", EAGAIN);
    L("ENOMEM", ENOMEM);
    L("PROT_READ", PROT_READ);
    L("PROT_WRITE", PROT_WRITE);
    L("MAP_SHARED", MAP_SHARED);
    L("MAP_PRIVATE", MAP_PRIVATE);
    L("MAP_ANONYMOUS", MAP_ANONYMOUS);
    L("MAP_NORESERVE", MAP_NORESERVE);
    L("MAP_FAILED", (intptr_t) MAP_FAILED);
    L("EFD_CLOEXEC", EFD_CLOEXEC);
    L("EFD_NONBLOCK", EFD_NONBLOCK);
    L("O_NONBLOCK", O_NONBLOCK);
    L("O_CREAT", O_CREAT);
    L("MFD_CLOEXEC", MFD_CLOEXEC);
    L("MFD_ALLOW_SEALING", MFD_ALLOW_SEALING);
    L("F_ADD_SEALS", F_ADD_SEALS);
    L("F_SEAL_SEAL", F_SEAL_SEAL);
    L("F_SEAL_SHRINK", F_SEAL_SHRINK);
    L("F_SEAL_GROW", F_SEAL_GROW);
    L("EPERM", EPERM);
    L("EBUSY", EBUSY);
    L("ENOENT", ENOENT);
    L("TUNSETIFF", TUNSETIFF);
    L("TUNSETVNETHDRSZ", TUNSETVNETHDRSZ);
    L("TUNSETOFFLOAD", TUNSETOFFLOAD);
    L("TUN_F_CSUM", TUN_F_CSUM);
    L("TUN_F_TSO4", TUN_F_TSO4);
    L("TUN_F_TSO6", TUN_F_TSO6);
    L("TUN_F_TSO_ECN", TUN_F_TSO_ECN);
    L("IFF_TAP", IFF_TAP);
    L("IFF_NO_PI", IFF_NO_PI);
    L("IFF_VNET_HDR", IFF_VNET_HDR);
    L("IFNAMSIZ", IFNAMSIZ);
    L("SIZEOF_IFREQ", sizeof(struct ifreq));
    L("IFREQ_FLAGS", OFF(struct ifreq, ifr_flags));
    L("EPOLL_CLOEXEC", EPOLL_CLOEXEC);
    L("EPOLL_CTL_ADD", EPOLL_CTL_ADD);
    L("EPOLL_CTL_DEL", EPOLL_CTL_DEL);
    L("EPOLLIN", EPOLLIN);
    L("SIZEOF_EPOLL_EVENT", sizeof(struct epoll_event));
    L("EPOLL_EVENT_EVENTS", OFF(struct epoll_event, events));
    L("EPOLL_EVENT_DATA", OFF(struct epoll_event, data));
    L("SYS_GETTID", SYS_gettid);
    L("SYS_TGKILL", SYS_tgkill);
    return ferror(stdout) ? 1 : 0;
}
