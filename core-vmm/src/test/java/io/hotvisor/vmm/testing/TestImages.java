package io.hotvisor.vmm.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Guest images the build provides to tests (see core-vmm/pom.xml). */
public final class TestImages {
    private TestImages() {
    }

    /** The probe guest built by the probe-guest module. */
    public static Path probeGuest() {
        return existing("hotvisor.probe.image");
    }

    /**
     * The probe guest as an ELF entered through its PVH note (probe-guest/target/probe-guest.elf,
     * built beside the image).
     */
    public static Path probeGuestElf() {
        Path elf = probeGuest().resolveSibling("probe-guest.elf");
        if (!Files.isRegularFile(elf)) {
            fail(elf + " does not exist: the probe-guest build should have produced it");
        }
        return elf;
    }

    /** A property of the Debian guest kernel fetched by scripts/fetch-guest-kernel.sh. */
    public static String guestKernel(String key) {
        Path file = existing("hotvisor.guestKernel.properties");
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        String value = properties.getProperty(key);
        if (value == null) {
            fail(file + " has no " + key);
        }
        return value;
    }

    private static Path existing(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            fail("system property " + property + " is not set: run the tests through Maven");
        }
        Path path = Path.of(value);
        if (!Files.isRegularFile(path)) {
            fail(property + " = " + path + " does not exist: the build should have produced it");
        }
        return path;
    }
}
