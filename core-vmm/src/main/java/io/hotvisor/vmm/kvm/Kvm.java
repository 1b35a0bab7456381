package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The system-level handle: {@code /dev/kvm}. */
public final class Kvm extends Fd {
    public static final Path DEVICE = Path.of("/dev/kvm");
    private static final int MAX_CPUID_ENTRIES = 256;

    private Kvm(int fd) {
        super("/dev/kvm", fd);
    }

    public static boolean available() {
        return Files.isReadable(DEVICE) && Files.isWritable(DEVICE);
    }

    public static Kvm open() {
        int fd;
        try {
            fd = LibC.open(DEVICE.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new KvmException("open " + DEVICE, e.getErrorCode());
        }
        Kvm kvm = new Kvm(fd);
        int version = kvm.ioctl("KVM_GET_API_VERSION", KvmAbi.KVM_GET_API_VERSION, 0);
        if (version != KvmAbi.API_VERSION) {
            kvm.close();
            throw new KvmException("unsupported KVM API version " + version);
        }
        return kvm;
    }

    public int checkExtension(int capability) {
        return ioctl("KVM_CHECK_EXTENSION", KvmAbi.KVM_CHECK_EXTENSION, capability);
    }

    public void require(int capability, String name) {
        if (checkExtension(capability) <= 0) {
            throw new KvmException("KVM lacks the capability " + name);
        }
    }

    public int vcpuMmapSize() {
        return ioctl("KVM_GET_VCPU_MMAP_SIZE", KvmAbi.KVM_GET_VCPU_MMAP_SIZE, 0);
    }

    public List<CpuidEntry> supportedCpuid() {
        Memory buffer = new Memory(KvmAbi.SIZEOF_KVM_CPUID2 + (long) MAX_CPUID_ENTRIES * KvmAbi.SIZEOF_KVM_CPUID_ENTRY2);
        buffer.clear();
        buffer.setInt(0, MAX_CPUID_ENTRIES);
        ioctl("KVM_GET_SUPPORTED_CPUID", KvmAbi.KVM_GET_SUPPORTED_CPUID, Memory.nativeValue(buffer));
        int count = buffer.getInt(0);
        List<CpuidEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long at = KvmAbi.SIZEOF_KVM_CPUID2 + (long) i * KvmAbi.SIZEOF_KVM_CPUID_ENTRY2;
            entries.add(new CpuidEntry(buffer.getInt(at + KvmAbi.CPUID_FUNCTION), buffer.getInt(at + KvmAbi.CPUID_INDEX),
                    buffer.getInt(at + KvmAbi.CPUID_FLAGS), buffer.getInt(at + KvmAbi.CPUID_EAX),
                    buffer.getInt(at + KvmAbi.CPUID_EBX), buffer.getInt(at + KvmAbi.CPUID_ECX),
                    buffer.getInt(at + KvmAbi.CPUID_EDX)));
        }
        return entries;
    }

    /** MSRs that KVM_SET_MSRS accepts on this host. */
    public int[] msrIndexList() {
        Memory probe = new Memory(KvmAbi.SIZEOF_KVM_MSR_LIST);
        probe.setInt(0, 0);
        try {
            LibC.ioctl(fd(), KvmAbi.KVM_GET_MSR_INDEX_LIST, Memory.nativeValue(probe));
        } catch (LastErrorException e) {
            // E2BIG is the expected answer: it tells the number of entries.
        }
        int count = probe.getInt(0);
        Memory buffer = new Memory(KvmAbi.SIZEOF_KVM_MSR_LIST + 4L * count);
        buffer.setInt(0, count);
        ioctl("KVM_GET_MSR_INDEX_LIST", KvmAbi.KVM_GET_MSR_INDEX_LIST, Memory.nativeValue(buffer));
        return buffer.getIntArray(4, buffer.getInt(0));
    }

    /** The size is asked first: were it asked after KVM_CREATE_VM and failed, the VM fd would have no owner. */
    public VmFd createVm() {
        int mmapSize = vcpuMmapSize();
        return new VmFd(ioctl("KVM_CREATE_VM", KvmAbi.KVM_CREATE_VM, 0), mmapSize);
    }
}
