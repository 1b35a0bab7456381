package io.hotvisor.vmm.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The guest kit scripts/build-guest-kit.sh builds (core-vmm's generate-test-resources writes
 * target/guest-kit.properties): Debian's kernel as ELF vmlinux and bzImage, and a busybox
 * initramfs. Its file is named by the system property {@code hotvisor.guestKit.properties}, else
 * it is guest-kit.properties beside {@code hotvisor.guestKernel.properties}.
 */
public final class GuestKit {
    public static final String PROPERTY = "hotvisor.guestKit.properties";
    private static final String KERNEL_PROPERTY = "hotvisor.guestKernel.properties";

    private final Properties properties;
    private final Path file;

    private GuestKit(Path file, Properties properties) {
        this.file = file;
        this.properties = properties;
    }

    /** The kit of this build; skips the test outside the Maven build, fails if the build did not make it. */
    public static GuestKit load() {
        String location = System.getProperty(PROPERTY);
        if (location == null || location.isBlank()) {
            String kernel = System.getProperty(KERNEL_PROPERTY);
            assumeTrue(kernel != null && !kernel.isBlank(), PROPERTY + " is not set (run the tests through Maven)");
            location = Path.of(kernel).resolveSibling("guest-kit.properties").toString();
        }
        Path file = Path.of(location);
        if (!Files.isRegularFile(file)) {
            fail(file + " is missing; the build writes it with scripts/build-guest-kit.sh in generate-test-resources");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
        return new GuestKit(file, properties);
    }

    public String property(String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            fail(file + " has no " + key);
        }
        return value;
    }

    private Path existing(String key) {
        Path path = Path.of(property(key));
        if (!Files.isRegularFile(path)) {
            fail(key + " = " + path + " (" + file + ") does not exist; rerun scripts/build-guest-kit.sh");
        }
        return path;
    }

    /** The uncompressed ELF kernel, booted through PVH. */
    public Path vmlinux() {
        return existing("kit.vmlinux");
    }

    public Path bzImage() {
        return existing("kit.bzimage");
    }

    public Path initramfs() {
        return existing("kit.initramfs");
    }

    public String kernelVersion() {
        return property("kit.kernel.version");
    }

    /** The line /init prints once the modules are loaded: {@code HOTVISOR-GUEST-READY}. */
    public String marker() {
        return property("kit.marker");
    }

    /** The shell prompt, {@code "guest# "}. */
    public String prompt() {
        return property("kit.prompt");
    }

    public String cmdline() {
        return property("kit.cmdline");
    }
}
