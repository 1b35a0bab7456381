package io.hotvisor.vmm.api;

import java.util.Optional;

/**
 * Per-VM storage that outlives a capability bundle: before an old component deactivates it saves
 * its controller state here as versioned JSON, and its successor restores it (DESIGN.md §6).
 * Cleared when the machine is rebuilt (stop/start, reset): state is per boot.
 */
public interface StateVault {
    void put(String key, String json);

    Optional<String> get(String key);

    void remove(String key);
}
