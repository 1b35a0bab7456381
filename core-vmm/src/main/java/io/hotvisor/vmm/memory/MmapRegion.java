package io.hotvisor.vmm.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.kvm.KvmException;
import io.hotvisor.vmm.kvm.LibC;

/** One anonymous host mapping backing a contiguous range of guest RAM. Owns the mapping. */
public final class MmapRegion implements AutoCloseable {
    private final GuestAddress start;
    private final long size;
    private final long hostAddress;
    private final Pointer pointer;
    private boolean closed;

    public MmapRegion(GuestAddress start, long size) {
        this.start = start;
        this.size = size;
        try {
            this.hostAddress = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        } catch (LastErrorException e) {
            throw new KvmException("mmap of " + size + " bytes of guest RAM", e.getErrorCode());
        }
        this.pointer = new Pointer(hostAddress);
    }

    public GuestAddress start() {
        return start;
    }

    public long size() {
        return size;
    }

    public long hostAddress() {
        return hostAddress;
    }

    /** True when [address, address+length) lies inside this region. */
    boolean contains(long address, long length) {
        long offset = address - start.value();
        return length >= 0 && offset >= 0 && offset <= size && length <= size - offset;
    }

    Pointer pointer() {
        return pointer;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.munmap(hostAddress, size);
        }
    }
}
