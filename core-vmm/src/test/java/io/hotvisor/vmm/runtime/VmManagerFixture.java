package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.manager.VmManagerImpl;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** For tests that boot guests: a VM manager over a fresh data folder, closed with all its VMs after each test. */
abstract class VmManagerFixture {
    /** How long a probe guest may take to print what a test waits for. */
    static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path data;
    VmManagerImpl manager;

    @BeforeEach
    void openManager() {
        manager = new VmManagerImpl(data);
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }
}
