package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.StateVault;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The per-boot state vault: capability state as JSON strings, kept in memory by the core. */
final class MapStateVault implements StateVault {
    private final Map<String, String> entries = new ConcurrentHashMap<>();

    @Override
    public void put(String key, String json) {
        entries.put(key, json);
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    @Override
    public void remove(String key) {
        entries.remove(key);
    }
}
