package io.hotvisor.itests;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The tests' own passwords: the distribution ships none that is known (audit row 1), so a test
 * that logs in with a password adds a user of its own to etc/users.properties.
 */
public final class TestPasswords {
    private TestPasswords() {
    }

    /** 128 random bits, 32 hex digits (as bin/hotvisor-first-start makes karaf's). */
    public static String random() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * A password as etc/users.properties holds it with the distribution's JAAS encryption
     * (etc/org.apache.karaf.jaas.cfg: basic, SHA-256, hexadecimal, {CRYPT} around it).
     */
    public static String crypt(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{CRYPT}" + HexFormat.of().formatHex(digest) + "{CRYPT}";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
