package io.hotvisor.vmm.kvm;

/**
 * A {@link VcpuFd} over a memfd instead of a KVM vCPU: its kvm_run page maps, and every vCPU
 * ioctl fails (ENOTTY), as a KVM_SET_CPUID2 that fails half-way through a plug would.
 */
public final class FakeVcpuFd {
    private static final int RUN_SIZE = 4096;

    private FakeVcpuFd() {
    }

    public static VcpuFd create(int id) {
        int fd = LibC.memfd_create("fake-vcpu-" + id, LibC.MFD_CLOEXEC);
        LibC.ftruncate(fd, RUN_SIZE);
        return new VcpuFd(id, fd, RUN_SIZE);
    }
}
