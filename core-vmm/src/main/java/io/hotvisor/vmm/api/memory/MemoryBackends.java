package io.hotvisor.vmm.api.memory;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A VM's memory backends, created and deleted by id (QMP's {@code object-add}/{@code object-del}).
 * They live as long as the VM does (across resets, stops and starts) unless deleted. Each backs
 * at most one device at a time. Failures are one-line {@link io.hotvisor.vmm.api.VmException}s
 * that name what was wrong.
 */
public interface MemoryBackends {
    /** Anonymous memory, mapped {@code MAP_NORESERVE}, released on unplug. */
    String RAM = "memory-backend-ram";
    /** A file ({@code mem-path}), {@code share=on|off}. */
    String FILE = "memory-backend-file";
    /** A sealed memfd, shareable. */
    String MEMFD = "memory-backend-memfd";

    /**
     * Creates a backend of {@code type} with its properties as clients send them (numbers or
     * strings; {@code size} accepts QEMU's suffixes). Refuses an unknown type or property, a
     * duplicate id, a missing size, a file that cannot be opened.
     */
    MemoryBackend create(String type, String id, Map<String, Object> properties);

    /** Deletes a backend and releases its memory; refuses one that is missing or in use. */
    void delete(String id);

    Optional<MemoryBackend> find(String id);

    List<MemoryBackend> list();

    /** Marks a backend as used by {@code user} (a device name); refuses one that is missing or already used. */
    MemoryBackend claim(String id, String user);

    /** Lets a backend go when its device went away; a backend no one claims is left alone. */
    void release(String id);
}
