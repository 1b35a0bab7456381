package io.hotvisor.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What the Linux tests boot and where they put things, from the properties file lab/run-lab.sh
 * writes (system property {@code hotvisor.linux.properties}); paths are as this JVM sees them
 * (inside L1 under the lab, on the host otherwise).
 *
 * @param kernel     the guest kit's kernel the tests boot: the ELF vmlinux (PVH entry), unless
 *                   the runner was told to use the bzImage
 * @param bzImage    the same kernel as a bzImage (64-bit Linux boot protocol)
 * @param initrd     the guest kit's busybox initramfs
 * @param cmdline    kernel command line for the kit
 * @param marker     the line the kit's /init prints before it starts the shell
 * @param prompt     the kit shell's prompt
 * @param probeImage the probe guest
 * @param dataDir    where VM data (console logs) go; the runner brings it back
 * @param where      "lab" or "direct", for messages
 */
public record LinuxKit(Path kernel, Path bzImage, Path initrd, String cmdline, String marker, String prompt, Path probeImage,
                       Path dataDir, String where) {
    public static final String PROPERTY = "hotvisor.linux.properties";
    private static LinuxKit current;

    public static synchronized LinuxKit get() {
        if (current == null) {
            current = load();
        }
        return current;
    }

    private static LinuxKit load() {
        String location = System.getProperty(PROPERTY);
        if (location == null || location.isBlank()) {
            fail("system property " + PROPERTY + " is not set: run the Linux tests with lab/run-lab.sh"
                    + " (or ./mvnw verify -pl kvm-tests -am)");
        }
        Path file = Path.of(location);
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            p.load(reader);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + " (" + PROPERTY + "): " + e.getMessage(), e);
        }
        return new LinuxKit(existing(p, "kernel", file), existing(p, "bzimage", file), existing(p, "initrd", file), required(p, "cmdline", file),
                required(p, "marker", file), required(p, "prompt", file), existing(p, "probe.image", file),
                Path.of(required(p, "data.dir", file)), p.getProperty("where", "direct"));
    }

    private static String required(Properties p, String key, Path file) {
        String value = p.getProperty(key);
        if (value == null) {
            fail(file + " has no " + key);
        }
        return value;
    }

    private static Path existing(Properties p, String key, Path file) {
        Path path = Path.of(required(p, key, file));
        if (!Files.isRegularFile(path)) {
            fail(key + " = " + path + " (from " + file + ") does not exist");
        }
        return path;
    }
}
