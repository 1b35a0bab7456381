package io.hotvisor.vmm.kvm;

import com.sun.jna.Memory;

/** The VM-level handle: memory slots, irqchip, PIT, interrupt lines, vCPU creation. */
public final class VmFd extends Fd {
    private final int vcpuMmapSize;
    private final Memory irqLevel = new Memory(KvmAbi.SIZEOF_KVM_IRQ_LEVEL);

    VmFd(int fd, int vcpuMmapSize) {
        super("KVM VM", fd);
        this.vcpuMmapSize = vcpuMmapSize;
    }

    public void setUserMemoryRegion(int slot, long guestAddress, long size, long hostAddress) {
        try (Memory region = new Memory(KvmAbi.SIZEOF_KVM_USERSPACE_MEMORY_REGION)) {
            region.setInt(KvmAbi.MEMREGION_SLOT, slot);
            region.setInt(KvmAbi.MEMREGION_FLAGS, 0);
            region.setLong(KvmAbi.MEMREGION_GUEST_PHYS_ADDR, guestAddress);
            region.setLong(KvmAbi.MEMREGION_MEMORY_SIZE, size);
            region.setLong(KvmAbi.MEMREGION_USERSPACE_ADDR, hostAddress);
            ioctl("KVM_SET_USER_MEMORY_REGION", KvmAbi.KVM_SET_USER_MEMORY_REGION, Memory.nativeValue(region));
        }
    }

    public void setTssAddress(long address) {
        ioctl("KVM_SET_TSS_ADDR", KvmAbi.KVM_SET_TSS_ADDR, address);
    }

    public void setIdentityMapAddress(long address) {
        try (Memory value = new Memory(8)) {
            value.setLong(0, address);
            ioctl("KVM_SET_IDENTITY_MAP_ADDR", KvmAbi.KVM_SET_IDENTITY_MAP_ADDR, Memory.nativeValue(value));
        }
    }

    public void createIrqchip() {
        ioctl("KVM_CREATE_IRQCHIP", KvmAbi.KVM_CREATE_IRQCHIP, 0);
    }

    /** The in-kernel PIT; the speaker port is a dummy so that port 0x61 does not exit. */
    public void createPit2() {
        try (Memory config = new Memory(KvmAbi.SIZEOF_KVM_PIT_CONFIG)) {
            config.clear();
            config.setInt(KvmAbi.PIT_CONFIG_FLAGS, KvmAbi.KVM_PIT_SPEAKER_DUMMY);
            ioctl("KVM_CREATE_PIT2", KvmAbi.KVM_CREATE_PIT2, Memory.nativeValue(config));
        }
    }

    /** Sets a GSI of the in-kernel irqchip to a level. Serialised: one shared argument buffer. */
    public synchronized void irqLine(int gsi, boolean level) {
        irqLevel.setInt(KvmAbi.IRQ_LEVEL_IRQ, gsi);
        irqLevel.setInt(KvmAbi.IRQ_LEVEL_LEVEL, level ? 1 : 0);
        ioctl("KVM_IRQ_LINE", KvmAbi.KVM_IRQ_LINE, Memory.nativeValue(irqLevel));
    }

    public VcpuFd createVcpu(int id) {
        int fd = ioctl("KVM_CREATE_VCPU", KvmAbi.KVM_CREATE_VCPU, id);
        try {
            return new VcpuFd(id, fd, vcpuMmapSize);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }
}
