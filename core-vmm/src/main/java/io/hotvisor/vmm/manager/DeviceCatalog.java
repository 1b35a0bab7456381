package io.hotvisor.vmm.manager;

import java.util.Optional;

/**
 * Which installable feature provides a device model, for the error that names what to install
 * when a model's bundle is absent. Features describe themselves (a {@code hotvisor.device}
 * capability listing their models); the core keeps no table of them.
 */
public interface DeviceCatalog {
    /** The capability namespace a feature declares its device models in. */
    String NAMESPACE = "hotvisor.device";

    Optional<String> featureProviding(String model);
}
