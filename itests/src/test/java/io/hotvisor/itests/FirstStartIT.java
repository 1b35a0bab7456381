package io.hotvisor.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Audit row 1 (no account with a known password): the archive as shipped holds no password, and
 * the first start through Karaf's scripts (bin/setenv runs bin/hotvisor-first-start) gives user
 * karaf a random one, prints it once and stores only its hash, as Karaf's JAAS encryption checks
 * it. Runs on this host from an unpacked copy (bin/status: a launcher that sources bin/setenv
 * and starts nothing). Logging in with it: SecureDefaultsIT (same hash format).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the archive as shipped, then its first start
class FirstStartIT {
    private static final Pattern PRINTED = Pattern.compile("password of user karaf .* is\\s+([0-9a-f]{32})\\s");

    private static Path unpacked;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("hotvisor.distribution"));
        Path dir = Path.of(System.getProperty("hotvisor.itest.unpackDirectory", "target/exam"))
                .resolveSibling("first-start").toAbsolutePath();
        run(dir.getParent(), "rm", "-rf", dir.toString());
        Files.createDirectories(dir);
        run(dir, "tar", "-xzf", archive.toString(), "-C", dir.toString());
        try (var entries = Files.list(dir)) {
            unpacked = entries.filter(p -> p.getFileName().toString().startsWith("hotvisor-")).findFirst().orElseThrow();
        }
    }

    @Test
    @Order(1)
    void theArchiveHoldsNoPasswordAndHashesThem() throws Exception {
        Properties users = properties("users.properties");
        for (String user : users.stringPropertyNames()) {
            assertTrue(user.startsWith("_g_:"), "etc/users.properties as shipped has user " + user);
        }
        assertTrue(Files.readString(unpacked.resolve("etc/users.properties")).contains("\n#hotvisor-first-start:"),
                "etc/users.properties holds the first start's marker");
        assertEquals("true", properties("org.apache.karaf.jaas.cfg").getProperty("encryption.enabled"));
        assertEquals("SHA-256", properties("org.apache.karaf.jaas.cfg").getProperty("encryption.algorithm"));
        // The scripts' way in is a key, and the shipped keys file authorises none.
        Properties keys = properties("keys.properties");
        for (String user : keys.stringPropertyNames()) {
            assertTrue(user.startsWith("_g_:"), "etc/keys.properties as shipped has user " + user);
        }
    }

    @Test
    @Order(2)
    void theFirstStartMakesARandomPasswordPrintsItOnceAndStoresItsHash() throws Exception {
        Path users = unpacked.resolve("etc/users.properties");
        String first = run(unpacked, "bin/status");
        Matcher printed = PRINTED.matcher(first);
        assertTrue(printed.find(), "bin/status printed the password on the first start:\n" + first);
        String password = printed.group(1);
        assertFalse(printed.find(), "printed once:\n" + first);

        Properties stored = properties("users.properties");
        assertEquals(TestPasswords.crypt(password) + ",_g_:admingroup", stored.getProperty("karaf"));
        String file = Files.readString(users);
        assertFalse(file.contains(password), "the password itself is not stored");
        assertFalse(file.contains("#hotvisor-first-start:"), "the marker is gone");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)));

        // Later starts leave it alone and print nothing.
        String second = run(unpacked, "bin/status");
        assertFalse(second.contains("password"), "the second start printed:\n" + second);
        assertEquals(file, Files.readString(users));

        // Another first start, another password (run directly, as scripts/run.sh does after unpacking).
        Files.writeString(users, file.replaceFirst("(?m)^karaf = .*$", "#hotvisor-first-start: again"));
        Matcher again = PRINTED.matcher(run(unpacked, "sh", "bin/hotvisor-first-start"));
        assertTrue(again.find());
        assertNotEquals(password, again.group(1));
        assertEquals(TestPasswords.crypt(again.group(1)) + ",_g_:admingroup",
                properties("users.properties").getProperty("karaf"));
    }

    private static Properties properties(String name) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(unpacked.resolve("etc").resolve(name))) {
            properties.load(in);
        }
        return properties;
    }

    /** Runs a command (30 s at most) and returns what it printed; its exit status does not matter (bin/status: 1). */
    private static String run(Path dir, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("KARAF_ETC");
        builder.environment().remove("HOTVISOR_SETENV_DONE");
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " ended");
        return output;
    }
}
