package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** The vCPU-level handle: its registers, CPUID, MSRs, LAPIC and the KVM_RUN loop step. */
public final class VcpuFd extends Fd {
    private final int id;
    private final long runAddress;
    private final int runSize;
    private final ByteBuffer run;
    private final VcpuExit.Io io;
    private final VcpuExit.Mmio mmio;
    private final VcpuExit.SystemEvent systemEvent;
    private final VcpuExit.InternalError internalError;
    private final VcpuExit.FailEntry failEntry;
    private final VcpuExit.Unknown unknown;
    private boolean unmapped;

    VcpuFd(int id, int fd, int runSize) {
        super("vCPU " + id, fd);
        this.id = id;
        this.runSize = runSize;
        try {
            this.runAddress = LibC.mmap(0, runSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        } catch (LastErrorException e) {
            throw new KvmException("mmap of the kvm_run page of vCPU " + id, e.getErrorCode());
        }
        this.run = new Pointer(runAddress).getByteBuffer(0, runSize).order(ByteOrder.LITTLE_ENDIAN);
        this.io = new VcpuExit.Io(run);
        this.mmio = new VcpuExit.Mmio(run);
        this.systemEvent = new VcpuExit.SystemEvent(run);
        this.internalError = new VcpuExit.InternalError(run);
        this.failEntry = new VcpuExit.FailEntry(run);
        this.unknown = new VcpuExit.Unknown(run);
    }

    public int id() {
        return id;
    }

    /** Runs the vCPU until the next exit that needs user space. */
    public VcpuExit run() {
        try {
            LibC.ioctl(fd(), KvmAbi.KVM_RUN, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EINTR || e.getErrorCode() == LibC.EAGAIN) {
                return VcpuExit.Interrupted.INSTANCE;
            }
            throw new KvmException("KVM_RUN on vCPU " + id, e.getErrorCode());
        }
        return switch (run.getInt(KvmAbi.RUN_EXIT_REASON)) {
            case KvmAbi.KVM_EXIT_IO -> io;
            case KvmAbi.KVM_EXIT_MMIO -> mmio;
            case KvmAbi.KVM_EXIT_HLT -> VcpuExit.Hlt.INSTANCE;
            case KvmAbi.KVM_EXIT_SHUTDOWN -> VcpuExit.Shutdown.INSTANCE;
            case KvmAbi.KVM_EXIT_INTR -> VcpuExit.Interrupted.INSTANCE;
            case KvmAbi.KVM_EXIT_SYSTEM_EVENT -> systemEvent;
            case KvmAbi.KVM_EXIT_INTERNAL_ERROR -> internalError;
            case KvmAbi.KVM_EXIT_FAIL_ENTRY -> failEntry;
            default -> unknown;
        };
    }

    /** With immediate_exit set, KVM_RUN returns EINTR at once: the race-free half of a kick. */
    public void setImmediateExit(boolean value) {
        run.put(KvmAbi.RUN_IMMEDIATE_EXIT, (byte) (value ? 1 : 0));
    }

    public KvmRegs regs() {
        KvmRegs regs = new KvmRegs();
        ioctl("KVM_GET_REGS", KvmAbi.KVM_GET_REGS, regs.address());
        return regs;
    }

    public void setRegs(KvmRegs regs) {
        ioctl("KVM_SET_REGS", KvmAbi.KVM_SET_REGS, regs.address());
    }

    public KvmSregs sregs() {
        KvmSregs sregs = new KvmSregs();
        ioctl("KVM_GET_SREGS", KvmAbi.KVM_GET_SREGS, sregs.address());
        return sregs;
    }

    public void setSregs(KvmSregs sregs) {
        ioctl("KVM_SET_SREGS", KvmAbi.KVM_SET_SREGS, sregs.address());
    }

    public void setCpuid(List<CpuidEntry> entries) {
        try (Memory buffer = new Memory(KvmAbi.SIZEOF_KVM_CPUID2 + (long) entries.size() * KvmAbi.SIZEOF_KVM_CPUID_ENTRY2)) {
            buffer.clear();
            buffer.setInt(0, entries.size());
            for (int i = 0; i < entries.size(); i++) {
                CpuidEntry e = entries.get(i);
                long at = KvmAbi.SIZEOF_KVM_CPUID2 + (long) i * KvmAbi.SIZEOF_KVM_CPUID_ENTRY2;
                buffer.setInt(at + KvmAbi.CPUID_FUNCTION, e.function());
                buffer.setInt(at + KvmAbi.CPUID_INDEX, e.index());
                buffer.setInt(at + KvmAbi.CPUID_FLAGS, e.flags());
                buffer.setInt(at + KvmAbi.CPUID_EAX, e.eax());
                buffer.setInt(at + KvmAbi.CPUID_EBX, e.ebx());
                buffer.setInt(at + KvmAbi.CPUID_ECX, e.ecx());
                buffer.setInt(at + KvmAbi.CPUID_EDX, e.edx());
            }
            ioctl("KVM_SET_CPUID2", KvmAbi.KVM_SET_CPUID2, Memory.nativeValue(buffer));
        }
    }

    /** Sets MSRs; KVM stops at the first one it rejects, so a short count is an error. */
    public void setMsrs(int[] indices, long[] values) {
        try (Memory buffer = new Memory(KvmAbi.SIZEOF_KVM_MSRS + (long) indices.length * KvmAbi.SIZEOF_KVM_MSR_ENTRY)) {
            buffer.clear();
            buffer.setInt(0, indices.length);
            for (int i = 0; i < indices.length; i++) {
                long at = KvmAbi.SIZEOF_KVM_MSRS + (long) i * KvmAbi.SIZEOF_KVM_MSR_ENTRY;
                buffer.setInt(at + KvmAbi.MSR_INDEX, indices[i]);
                buffer.setLong(at + KvmAbi.MSR_DATA, values[i]);
            }
            int set = ioctl("KVM_SET_MSRS", KvmAbi.KVM_SET_MSRS, Memory.nativeValue(buffer));
            if (set != indices.length) {
                throw new KvmException(String.format("KVM_SET_MSRS on vCPU %d set %d of %d MSRs; rejected MSR 0x%x",
                        id, set, indices.length, indices[set]));
            }
        }
    }

    /** Sets the x87 control word and MXCSR to their reset values; everything else zero. */
    public void setFpu(int fcw, int mxcsr) {
        try (Memory fpu = new Memory(KvmAbi.SIZEOF_KVM_FPU)) {
            fpu.clear();
            fpu.setShort(KvmAbi.FPU_FCW, (short) fcw);
            fpu.setInt(KvmAbi.FPU_MXCSR, mxcsr);
            ioctl("KVM_SET_FPU", KvmAbi.KVM_SET_FPU, Memory.nativeValue(fpu));
        }
    }

    public byte[] lapic() {
        try (Memory state = new Memory(KvmAbi.SIZEOF_KVM_LAPIC_STATE)) {
            ioctl("KVM_GET_LAPIC", KvmAbi.KVM_GET_LAPIC, Memory.nativeValue(state));
            return state.getByteArray(0, KvmAbi.SIZEOF_KVM_LAPIC_STATE);
        }
    }

    public void setLapic(byte[] regs) {
        try (Memory state = new Memory(KvmAbi.SIZEOF_KVM_LAPIC_STATE)) {
            state.write(0, regs, 0, KvmAbi.SIZEOF_KVM_LAPIC_STATE);
            ioctl("KVM_SET_LAPIC", KvmAbi.KVM_SET_LAPIC, Memory.nativeValue(state));
        }
    }

    public int mpState() {
        try (Memory state = new Memory(KvmAbi.SIZEOF_KVM_MP_STATE)) {
            ioctl("KVM_GET_MP_STATE", KvmAbi.KVM_GET_MP_STATE, Memory.nativeValue(state));
            return state.getInt(0);
        }
    }

    public void setMpState(int mpState) {
        try (Memory state = new Memory(KvmAbi.SIZEOF_KVM_MP_STATE)) {
            state.setInt(0, mpState);
            ioctl("KVM_SET_MP_STATE", KvmAbi.KVM_SET_MP_STATE, Memory.nativeValue(state));
        }
    }

    @Override
    public synchronized void close() {
        if (!unmapped) {
            unmapped = true;
            LibC.munmap(runAddress, runSize);
        }
        super.close();
    }
}
