package io.hotvisor.vmm.memory;

import com.sun.jna.LastErrorException;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.kvm.LibC;
import java.util.Map;
import java.util.Optional;

/**
 * A memory backend: anonymous memory, or a file or memfd it holds open from creation to
 * deletion. Its host mapping exists while the backend is plugged ({@link #map()} to
 * {@link #unmap()}), so an unplugged RAM backend gives its memory back to the host.
 */
final class HostBackend implements MemoryBackend, AutoCloseable {
    private final String id;
    private final String type;
    private final long size;
    private final Map<String, Object> properties;
    /** The file or memfd; -1 for anonymous memory. */
    private final int fd;
    private final boolean shared;
    private String user;
    private long hostAddress;
    /** In a machine's memory map now. */
    private boolean plugged;

    HostBackend(String id, String type, long size, Map<String, Object> properties, int fd, boolean shared) {
        this.id = id;
        this.type = type;
        this.size = size;
        this.properties = Map.copyOf(properties);
        this.fd = fd;
        this.shared = shared;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Map<String, Object> properties() {
        return properties;
    }

    @Override
    public synchronized Optional<String> user() {
        return Optional.ofNullable(user);
    }

    synchronized void claim(String by) {
        if (user != null) {
            throw new VmException("memory backend '" + id + "' is already used by " + user);
        }
        user = by;
    }

    synchronized void release() {
        user = null;
    }

    /** Maps the memory (once; a backend plugged again into a rebuilt machine keeps its mapping and contents). */
    synchronized long map() {
        if (hostAddress == 0) {
            int flags = (shared ? LibC.MAP_SHARED : LibC.MAP_PRIVATE) | (fd < 0 ? LibC.MAP_ANONYMOUS : 0)
                    | LibC.MAP_NORESERVE;
            try {
                hostAddress = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE, flags, fd, 0);
            } catch (LastErrorException e) {
                throw new VmException("memory backend '" + id + "': cannot map " + size + " bytes: "
                        + LibC.describe(e.getErrorCode()));
            }
        }
        return hostAddress;
    }

    synchronized void plugged(boolean now) {
        plugged = now;
    }

    /** After an unplug: gives the memory back unless the backend was plugged again meanwhile. */
    synchronized void unmapUnlessPlugged() {
        if (!plugged) {
            unmap();
        }
    }

    /** Gives the memory back (anonymous memory is gone; a file keeps what was written to a shared mapping). */
    synchronized void unmap() {
        if (hostAddress != 0) {
            LibC.munmap(hostAddress, size);
            hostAddress = 0;
        }
    }

    @Override
    public synchronized void close() {
        unmap();
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    @Override
    public String toString() {
        return type + " " + id;
    }
}
