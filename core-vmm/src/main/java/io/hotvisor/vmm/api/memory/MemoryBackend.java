package io.hotvisor.vmm.api.memory;

import java.util.Map;
import java.util.Optional;

/**
 * Host memory that can back guest RAM: what QEMU's {@code memory-backend-*} objects are. It owns
 * its host mapping, which outlives the machine (a reset keeps plugged DIMMs and their contents)
 * and goes when the backend is deleted.
 */
public interface MemoryBackend {
    /** The id it was created with ({@code object-add id=...}). */
    String id();

    /** Its QOM type: {@link MemoryBackends#RAM}, {@link MemoryBackends#FILE} or {@link MemoryBackends#MEMFD}. */
    String type();

    long size();

    /** Its properties as QMP reports them ({@code size}, {@code share}, {@code mem-path}, ...). */
    Map<String, Object> properties();

    /** The device that uses it, by name, if one does. */
    Optional<String> user();

    /** QEMU's QOM path: {@code /objects/ID}. */
    default String path() {
        return "/objects/" + id();
    }
}
