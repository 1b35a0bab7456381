package io.hotvisor.vmm.kvm;

import com.sun.jna.Memory;
import java.util.List;

/**
 * The VM-level handle: memory slots, irqchip, PIT, interrupt lines and routing, irqfds and
 * ioeventfds, vCPU creation.
 */
public final class VmFd extends Fd {
    private final int vcpuMmapSize;
    private final Memory irqLevel = new Memory(KvmAbi.SIZEOF_KVM_IRQ_LEVEL);
    private final Memory msi = new Memory(KvmAbi.SIZEOF_KVM_MSI);

    VmFd(int fd, int vcpuMmapSize) {
        super("KVM VM", fd);
        this.vcpuMmapSize = vcpuMmapSize;
        msi.clear();
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

    /**
     * Replaces KVM's whole GSI routing table with {@code routes}: a GSI not listed loses its
     * routes, the IOAPIC and PIC ones that KVM_CREATE_IRQCHIP set up included.
     */
    public void setGsiRouting(List<GsiRoute> routes) {
        try (Memory table = routingTable(routes)) {
            ioctl("KVM_SET_GSI_ROUTING", KvmAbi.KVM_SET_GSI_ROUTING, Memory.nativeValue(table));
        }
    }

    /** {@code routes} as a struct kvm_irq_routing with its entries. */
    static Memory routingTable(List<GsiRoute> routes) {
        Memory table = new Memory(
                KvmAbi.IRQ_ROUTING_ENTRIES + (long) routes.size() * KvmAbi.SIZEOF_KVM_IRQ_ROUTING_ENTRY);
        table.clear();
        table.setInt(KvmAbi.IRQ_ROUTING_NR, routes.size());
        long entry = KvmAbi.IRQ_ROUTING_ENTRIES;
        for (GsiRoute route : routes) {
            table.setInt(entry + KvmAbi.ROUTING_ENTRY_GSI, route.gsi());
            if (route instanceof GsiRoute.Msi message) {
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_TYPE, KvmAbi.KVM_IRQ_ROUTING_MSI);
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_MSI_ADDRESS_LO, (int) message.address());
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_MSI_ADDRESS_HI, (int) (message.address() >>> 32));
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_MSI_DATA, message.data());
            } else {
                GsiRoute.Irqchip pin = (GsiRoute.Irqchip) route;
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_TYPE, KvmAbi.KVM_IRQ_ROUTING_IRQCHIP);
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_IRQCHIP_IRQCHIP, pin.irqchip());
                table.setInt(entry + KvmAbi.ROUTING_ENTRY_IRQCHIP_PIN, pin.pin());
            }
            entry += KvmAbi.SIZEOF_KVM_IRQ_ROUTING_ENTRY;
        }
        return table;
    }

    /** Binds {@code eventFd} to {@code gsi}: each signal raises the GSI in the kernel (an irqfd). */
    public void assignIrqfd(EventFd eventFd, int gsi) {
        irqfd("KVM_IRQFD on GSI " + gsi, eventFd, gsi, 0);
    }

    public void deassignIrqfd(EventFd eventFd, int gsi) {
        irqfd("KVM_IRQFD deassign on GSI " + gsi, eventFd, gsi, KvmAbi.KVM_IRQFD_FLAG_DEASSIGN, null);
    }

    /**
     * Binds {@code trigger} to irqchip pin {@code gsi} as a level: each signal raises it, the
     * guest's EOI lowers it and signals {@code resample} (KVM_IRQFD_FLAG_RESAMPLE).
     */
    public void assignLevelIrqfd(EventFd trigger, EventFd resample, int gsi) {
        irqfd("KVM_IRQFD resample on GSI " + gsi, trigger, gsi, KvmAbi.KVM_IRQFD_FLAG_RESAMPLE, resample);
    }

    private void irqfd(String name, EventFd eventFd, int gsi, int flags) {
        irqfd(name, eventFd, gsi, flags, null);
    }

    private void irqfd(String name, EventFd eventFd, int gsi, int flags, EventFd resample) {
        try (Memory irqfd = new Memory(KvmAbi.SIZEOF_KVM_IRQFD)) {
            irqfd.clear();
            irqfd.setInt(KvmAbi.IRQFD_FD, eventFd.fd());
            irqfd.setInt(KvmAbi.IRQFD_GSI, gsi);
            irqfd.setInt(KvmAbi.IRQFD_FLAGS, flags);
            if (resample != null) {
                irqfd.setInt(KvmAbi.IRQFD_RESAMPLEFD, resample.fd());
            }
            ioctl(name, KvmAbi.KVM_IRQFD, Memory.nativeValue(irqfd));
        }
    }

    /**
     * Makes guest writes of {@code length} bytes (0: any) at an MMIO address or I/O port signal
     * {@code eventFd} in the kernel instead of exiting to the vCPU thread (an ioeventfd).
     */
    public void assignIoeventfd(long address, int length, boolean pio, EventFd eventFd) {
        ioeventfd("KVM_IOEVENTFD", address, length, eventFd, pio ? KvmAbi.KVM_IOEVENTFD_FLAG_PIO : 0);
    }

    public void deassignIoeventfd(long address, int length, boolean pio, EventFd eventFd) {
        ioeventfd("KVM_IOEVENTFD deassign", address, length, eventFd,
                (pio ? KvmAbi.KVM_IOEVENTFD_FLAG_PIO : 0) | KvmAbi.KVM_IOEVENTFD_FLAG_DEASSIGN);
    }

    private void ioeventfd(String name, long address, int length, EventFd eventFd, int flags) {
        try (Memory ioeventfd = new Memory(KvmAbi.SIZEOF_KVM_IOEVENTFD)) {
            ioeventfd.clear();
            ioeventfd.setLong(KvmAbi.IOEVENTFD_ADDR, address);
            ioeventfd.setInt(KvmAbi.IOEVENTFD_LEN, length);
            ioeventfd.setInt(KvmAbi.IOEVENTFD_FD, eventFd.fd());
            ioeventfd.setInt(KvmAbi.IOEVENTFD_FLAGS, flags);
            ioctl(String.format("%s at %s 0x%x", name, (flags & KvmAbi.KVM_IOEVENTFD_FLAG_PIO) != 0 ? "port" : "MMIO",
                    address), KvmAbi.KVM_IOEVENTFD, Memory.nativeValue(ioeventfd));
        }
    }

    /**
     * Injects one MSI without a route (KVM_SIGNAL_MSI). Returns false when the guest blocked it.
     * Serialised: one shared argument buffer, so the call allocates nothing.
     */
    public boolean signalMsi(long address, int data) {
        synchronized (msi) {
            msi.setInt(KvmAbi.MSI_ADDRESS_LO, (int) address);
            msi.setInt(KvmAbi.MSI_ADDRESS_HI, (int) (address >>> 32));
            msi.setInt(KvmAbi.MSI_DATA, data);
            return ioctl("KVM_SIGNAL_MSI", KvmAbi.KVM_SIGNAL_MSI, Memory.nativeValue(msi)) > 0;
        }
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
