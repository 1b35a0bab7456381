package io.hotvisor.vmm.memory;

import com.sun.jna.LastErrorException;
import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.OnOff;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.kvm.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** One VM's memory backends, by id, with QEMU's property names and error texts. */
public final class Backends implements MemoryBackends, AutoCloseable {
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,127}");
    private static final long PAGE = 4096;
    private static final Map<String, Set<String>> PROPERTIES = Map.of(
            RAM, Set.of("size", "share"),
            FILE, Set.of("size", "share", "mem-path"),
            MEMFD, Set.of("size", "share", "seal"));

    private final Map<String, HostBackend> backends = new LinkedHashMap<>();

    @Override
    public MemoryBackend create(String type, String id, Map<String, Object> properties) {
        Set<String> known = PROPERTIES.get(type);
        if (known == null) {
            throw new VmException("Parameter 'qom-type' does not accept value '" + type + "'");
        }
        if (id == null || !ID.matcher(id).matches()) {
            throw new VmException("Parameter 'id' expects an identifier (a letter, then letters, digits, '-', '.', '_'),"
                    + " not '" + id + "'");
        }
        for (String key : properties.keySet()) {
            if (!known.contains(key)) {
                throw new VmException("Property '" + type + "." + key + "' not found");
            }
        }
        Object sizeValue = properties.get("size");
        if (sizeValue == null) {
            throw new VmException(type + " '" + id + "': property 'size' is required");
        }
        long size = sizeValue instanceof Number number ? number.longValue() : MemorySize.parse(sizeValue.toString());
        if (size <= 0 || size % PAGE != 0) {
            throw new VmException(type + " '" + id + "': size " + size + " must be a positive multiple of 4 KiB");
        }
        synchronized (this) {
            if (backends.containsKey(id)) {
                throw new VmException("attempt to add duplicate property '" + id + "' to object (type 'container')");
            }
        }
        boolean share = flag(type, properties, "share", type.equals(MEMFD));
        Map<String, Object> reported = new LinkedHashMap<>();
        reported.put("size", size);
        reported.put("share", share);
        HostBackend backend = switch (type) {
            case RAM -> new HostBackend(id, type, size, reported, -1, share);
            case FILE -> file(id, size, share, properties.get("mem-path"), reported);
            default -> memfd(id, size, share, flag(type, properties, "seal", true), reported);
        };
        synchronized (this) {
            if (backends.putIfAbsent(id, backend) != null) {
                backend.close();
                throw new VmException("attempt to add duplicate property '" + id + "' to object (type 'container')");
            }
        }
        return backend;
    }

    private static boolean flag(String type, Map<String, Object> properties, String key, boolean fallback) {
        return OnOff.parse(type + "." + key, properties.get(key), fallback);
    }

    /** A file backend: the file is created if missing and grown to the size, never shrunk. */
    private static HostBackend file(String id, long size, boolean share, Object memPath, Map<String, Object> reported) {
        if (memPath == null || memPath.toString().isBlank()) {
            throw new VmException(FILE + " '" + id + "': property 'mem-path' is required");
        }
        Path path = Path.of(memPath.toString());
        if (Files.isDirectory(path)) {
            throw new VmException(FILE + " '" + id + "': mem-path " + path + " is a directory; name a file");
        }
        int fd;
        try {
            fd = LibC.open(path.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0600);
        } catch (LastErrorException e) {
            throw new VmException(FILE + " '" + id + "': cannot open " + path + ": " + LibC.describe(e.getErrorCode()));
        }
        try {
            if (Files.size(path) < size) {
                LibC.ftruncate(fd, size);
            }
        } catch (IOException | LastErrorException e) {
            LibC.close(fd);
            throw new VmException(FILE + " '" + id + "': cannot size " + path + " to " + size + " bytes: "
                    + (e instanceof LastErrorException errno ? LibC.describe(errno.getErrorCode()) : e.getMessage()));
        }
        reported.put("mem-path", path.toString());
        return new HostBackend(id, FILE, size, reported, fd, share);
    }

    /** A memfd of the size; sealed against growing and shrinking unless {@code seal=off}. */
    private static HostBackend memfd(String id, long size, boolean share, boolean seal, Map<String, Object> reported) {
        int fd;
        try {
            fd = LibC.memfd_create(id, LibC.MFD_CLOEXEC | (seal ? LibC.MFD_ALLOW_SEALING : 0));
        } catch (LastErrorException e) {
            throw new VmException(MEMFD + " '" + id + "': memfd_create: " + LibC.describe(e.getErrorCode()));
        }
        try {
            LibC.ftruncate(fd, size);
            if (seal) {
                LibC.fcntl(fd, LibC.F_ADD_SEALS, LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL);
            }
        } catch (LastErrorException e) {
            LibC.close(fd);
            throw new VmException(MEMFD + " '" + id + "': cannot size or seal it: " + LibC.describe(e.getErrorCode()));
        }
        reported.put("seal", seal);
        return new HostBackend(id, MEMFD, size, reported, fd, share);
    }

    @Override
    public void delete(String id) {
        HostBackend backend;
        synchronized (this) {
            backend = backends.get(id);
            if (backend == null) {
                throw new VmException("object '" + id + "' not found");
            }
            if (backend.user().isPresent()) {
                throw new VmException("object '" + id + "' is in use, can not be deleted");
            }
            backends.remove(id);
        }
        backend.close();
    }

    @Override
    public synchronized Optional<MemoryBackend> find(String id) {
        return Optional.ofNullable(backends.get(id));
    }

    @Override
    public synchronized List<MemoryBackend> list() {
        return new ArrayList<>(backends.values());
    }

    @Override
    public MemoryBackend claim(String id, String user) {
        HostBackend backend;
        synchronized (this) {
            backend = backends.get(id);
        }
        if (backend == null) {
            throw new VmException("memory backend '" + id + "' not found (object-add it first)");
        }
        try {
            backend.claim(user);
        } catch (VmException busy) {
            throw new VmException("can't use already busy memdev: " + id);
        }
        return backend;
    }

    @Override
    public void release(String id) {
        HostBackend backend;
        synchronized (this) {
            backend = backends.get(id);
        }
        if (backend != null) {
            backend.release();
        }
    }

    /**
     * The machine stopped: its devices are gone, so no backend is used or mapped any more (the
     * next start boots with the spec's memory).
     */
    public synchronized void machineStopped() {
        backends.values().forEach(backend -> {
            backend.release();
            backend.unmap();
        });
    }

    @Override
    public synchronized void close() {
        backends.values().forEach(HostBackend::close);
        backends.clear();
    }
}
