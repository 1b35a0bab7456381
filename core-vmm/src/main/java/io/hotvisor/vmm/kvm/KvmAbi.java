package io.hotvisor.vmm.kvm;

/**
 * Every KVM ioctl number and struct layout Hotvisor uses, in one place (x86-64, linux/kvm.h).
 * {@code KvmAbiTest} compiles a C program against the kernel headers and compares each value.
 */
public final class KvmAbi {
    private KvmAbi() {
    }

    private static final int KVMIO = 0xAE;

    static long io(int nr) {
        return (KVMIO << 8) | nr;
    }

    static long ior(int nr, int size) {
        return (2L << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }

    static long iow(int nr, int size) {
        return (1L << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }

    static long iowr(int nr, int size) {
        return (3L << 30) | ((long) size << 16) | (KVMIO << 8) | nr;
    }

    public static final int API_VERSION = 12;

    // struct sizes
    public static final int SIZEOF_KVM_REGS = 144;
    public static final int SIZEOF_KVM_SREGS = 312;
    public static final int SIZEOF_KVM_SEGMENT = 24;
    public static final int SIZEOF_KVM_DTABLE = 16;
    public static final int SIZEOF_KVM_FPU = 416;
    public static final int SIZEOF_KVM_LAPIC_STATE = 1024;
    public static final int SIZEOF_KVM_CPUID2 = 8;
    public static final int SIZEOF_KVM_CPUID_ENTRY2 = 40;
    public static final int SIZEOF_KVM_MSRS = 8;
    public static final int SIZEOF_KVM_MSR_ENTRY = 16;
    public static final int SIZEOF_KVM_MSR_LIST = 4;
    public static final int SIZEOF_KVM_USERSPACE_MEMORY_REGION = 32;
    public static final int SIZEOF_KVM_IRQ_LEVEL = 8;
    public static final int SIZEOF_KVM_PIT_CONFIG = 64;
    public static final int SIZEOF_KVM_MP_STATE = 4;
    public static final int SIZEOF_KVM_IRQFD = 32;
    public static final int SIZEOF_KVM_IRQ_ROUTING = 8;
    public static final int SIZEOF_KVM_IRQ_ROUTING_ENTRY = 48;
    public static final int SIZEOF_KVM_IOEVENTFD = 64;
    public static final int SIZEOF_KVM_MSI = 32;

    // system ioctls
    public static final long KVM_GET_API_VERSION = io(0x00);
    public static final long KVM_CREATE_VM = io(0x01);
    public static final long KVM_GET_MSR_INDEX_LIST = iowr(0x02, SIZEOF_KVM_MSR_LIST);
    public static final long KVM_CHECK_EXTENSION = io(0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, SIZEOF_KVM_CPUID2);

    // VM ioctls
    public static final long KVM_CREATE_VCPU = io(0x41);
    public static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, SIZEOF_KVM_USERSPACE_MEMORY_REGION);
    public static final long KVM_SET_TSS_ADDR = io(0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = iow(0x48, 8);
    public static final long KVM_CREATE_IRQCHIP = io(0x60);
    public static final long KVM_IRQ_LINE = iow(0x61, SIZEOF_KVM_IRQ_LEVEL);
    public static final long KVM_SET_GSI_ROUTING = iow(0x6a, SIZEOF_KVM_IRQ_ROUTING);
    public static final long KVM_IRQFD = iow(0x76, SIZEOF_KVM_IRQFD);
    public static final long KVM_CREATE_PIT2 = iow(0x77, SIZEOF_KVM_PIT_CONFIG);
    public static final long KVM_IOEVENTFD = iow(0x79, SIZEOF_KVM_IOEVENTFD);
    public static final long KVM_SIGNAL_MSI = iow(0xa5, SIZEOF_KVM_MSI);

    // vCPU ioctls
    public static final long KVM_RUN = io(0x80);
    public static final long KVM_GET_REGS = ior(0x81, SIZEOF_KVM_REGS);
    public static final long KVM_SET_REGS = iow(0x82, SIZEOF_KVM_REGS);
    public static final long KVM_GET_SREGS = ior(0x83, SIZEOF_KVM_SREGS);
    public static final long KVM_SET_SREGS = iow(0x84, SIZEOF_KVM_SREGS);
    public static final long KVM_SET_MSRS = iow(0x89, SIZEOF_KVM_MSRS);
    public static final long KVM_GET_FPU = ior(0x8c, SIZEOF_KVM_FPU);
    public static final long KVM_SET_FPU = iow(0x8d, SIZEOF_KVM_FPU);
    public static final long KVM_GET_LAPIC = ior(0x8e, SIZEOF_KVM_LAPIC_STATE);
    public static final long KVM_SET_LAPIC = iow(0x8f, SIZEOF_KVM_LAPIC_STATE);
    public static final long KVM_SET_CPUID2 = iow(0x90, SIZEOF_KVM_CPUID2);
    public static final long KVM_GET_MP_STATE = ior(0x98, SIZEOF_KVM_MP_STATE);
    public static final long KVM_SET_MP_STATE = iow(0x99, SIZEOF_KVM_MP_STATE);

    // capabilities (KVM_CHECK_EXTENSION)
    public static final int KVM_CAP_IRQCHIP = 0;
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_SET_TSS_ADDR = 4;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_NR_VCPUS = 9;
    public static final int KVM_CAP_NR_MEMSLOTS = 10;
    public static final int KVM_CAP_MP_STATE = 14;
    /** Answers KVM_MAX_IRQ_ROUTES: the most entries (and the GSI bound) of a routing table. */
    public static final int KVM_CAP_IRQ_ROUTING = 25;
    public static final int KVM_CAP_IRQFD = 32;
    public static final int KVM_CAP_PIT2 = 33;
    public static final int KVM_CAP_IOEVENTFD = 36;
    public static final int KVM_CAP_SET_IDENTITY_MAP_ADDR = 37;
    public static final int KVM_CAP_MAX_VCPUS = 66;
    public static final int KVM_CAP_SIGNAL_MSI = 77;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;

    // struct kvm_run
    public static final int RUN_IMMEDIATE_EXIT = 1;
    public static final int RUN_EXIT_REASON = 8;
    public static final int RUN_IO_DIRECTION = 32;
    public static final int RUN_IO_SIZE = 33;
    public static final int RUN_IO_PORT = 34;
    public static final int RUN_IO_COUNT = 36;
    public static final int RUN_IO_DATA_OFFSET = 40;
    public static final int RUN_MMIO_PHYS_ADDR = 32;
    public static final int RUN_MMIO_DATA = 40;
    public static final int RUN_MMIO_LEN = 48;
    public static final int RUN_MMIO_IS_WRITE = 52;
    public static final int RUN_SYSTEM_EVENT_TYPE = 32;
    public static final int RUN_INTERNAL_SUBERROR = 32;
    public static final int RUN_FAIL_ENTRY_REASON = 32;

    // exit reasons
    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;
    public static final int KVM_EXIT_IO_OUT = 1;

    // struct kvm_sregs
    public static final int SREGS_CS = 0;
    public static final int SREGS_DS = 24;
    public static final int SREGS_ES = 48;
    public static final int SREGS_FS = 72;
    public static final int SREGS_GS = 96;
    public static final int SREGS_SS = 120;
    public static final int SREGS_TR = 144;
    public static final int SREGS_LDT = 168;
    public static final int SREGS_GDT = 192;
    public static final int SREGS_IDT = 208;
    public static final int SREGS_CR0 = 224;
    public static final int SREGS_CR2 = 232;
    public static final int SREGS_CR3 = 240;
    public static final int SREGS_CR4 = 248;
    public static final int SREGS_CR8 = 256;
    public static final int SREGS_EFER = 264;
    public static final int SREGS_APIC_BASE = 272;

    // struct kvm_segment
    public static final int SEG_BASE = 0;
    public static final int SEG_LIMIT = 8;
    public static final int SEG_SELECTOR = 12;
    public static final int SEG_TYPE = 14;
    public static final int SEG_PRESENT = 15;
    public static final int SEG_DPL = 16;
    public static final int SEG_DB = 17;
    public static final int SEG_S = 18;
    public static final int SEG_L = 19;
    public static final int SEG_G = 20;
    public static final int SEG_AVL = 21;
    public static final int SEG_UNUSABLE = 22;

    // struct kvm_dtable
    public static final int DTABLE_BASE = 0;
    public static final int DTABLE_LIMIT = 8;

    // struct kvm_regs: 18 consecutive u64, in this order
    public static final int REGS_RAX = 0;
    public static final int REGS_RBX = 8;
    public static final int REGS_RCX = 16;
    public static final int REGS_RDX = 24;
    public static final int REGS_RSI = 32;
    public static final int REGS_RDI = 40;
    public static final int REGS_RSP = 48;
    public static final int REGS_RBP = 56;
    public static final int REGS_R8 = 64; // r9..r15 follow
    public static final int REGS_RIP = 128;
    public static final int REGS_RFLAGS = 136;

    // struct kvm_fpu
    public static final int FPU_FCW = 128;
    public static final int FPU_MXCSR = 408;

    // struct kvm_cpuid_entry2
    public static final int CPUID_FUNCTION = 0;
    public static final int CPUID_INDEX = 4;
    public static final int CPUID_FLAGS = 8;
    public static final int CPUID_EAX = 12;
    public static final int CPUID_EBX = 16;
    public static final int CPUID_ECX = 20;
    public static final int CPUID_EDX = 24;

    // struct kvm_msr_entry
    public static final int MSR_INDEX = 0;
    public static final int MSR_DATA = 8;

    // struct kvm_userspace_memory_region
    public static final int MEMREGION_SLOT = 0;
    public static final int MEMREGION_FLAGS = 4;
    public static final int MEMREGION_GUEST_PHYS_ADDR = 8;
    public static final int MEMREGION_MEMORY_SIZE = 16;
    public static final int MEMREGION_USERSPACE_ADDR = 24;

    // struct kvm_irq_level
    public static final int IRQ_LEVEL_IRQ = 0;
    public static final int IRQ_LEVEL_LEVEL = 4;

    // struct kvm_pit_config
    public static final int PIT_CONFIG_FLAGS = 0;
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;

    // struct kvm_irq_routing and its entries
    public static final int IRQ_ROUTING_NR = 0;
    public static final int IRQ_ROUTING_ENTRIES = 8;
    public static final int ROUTING_ENTRY_GSI = 0;
    public static final int ROUTING_ENTRY_TYPE = 4;
    public static final int ROUTING_ENTRY_IRQCHIP_IRQCHIP = 16;
    public static final int ROUTING_ENTRY_IRQCHIP_PIN = 20;
    public static final int ROUTING_ENTRY_MSI_ADDRESS_LO = 16;
    public static final int ROUTING_ENTRY_MSI_ADDRESS_HI = 20;
    public static final int ROUTING_ENTRY_MSI_DATA = 24;
    public static final int KVM_IRQ_ROUTING_IRQCHIP = 1;
    public static final int KVM_IRQ_ROUTING_MSI = 2;
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;

    // struct kvm_irqfd
    public static final int IRQFD_FD = 0;
    public static final int IRQFD_GSI = 4;
    public static final int IRQFD_FLAGS = 8;
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
    public static final int IRQFD_RESAMPLEFD = 12;
    /** A level-triggered irqfd: the guest's EOI lowers the line and signals the resample eventfd. */
    public static final int KVM_IRQFD_FLAG_RESAMPLE = 2;

    // struct kvm_ioeventfd
    public static final int IOEVENTFD_ADDR = 8;
    public static final int IOEVENTFD_LEN = 16;
    public static final int IOEVENTFD_FD = 20;
    public static final int IOEVENTFD_FLAGS = 24;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 2;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 4;

    // struct kvm_msi
    public static final int MSI_ADDRESS_LO = 0;
    public static final int MSI_ADDRESS_HI = 4;
    public static final int MSI_DATA = 8;

    // mp_state values
    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;
    public static final int KVM_MP_STATE_HALTED = 3;

    // LAPIC registers (offsets into kvm_lapic_state.regs)
    public static final int APIC_LVT_LINT0 = 0x350;
    public static final int APIC_LVT_LINT1 = 0x360;
}
