package io.hotvisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerSuite;

/**
 * Audit row 1 (open remote shell): the distribution as shipped listens for SSH and JMX on
 * loopback only, has no SFTP, and no account with a known password (karaf/karaf is refused over
 * SSH and JMX). The tests' own account (random password, {@link HotvisorTestSupport}) proves that
 * both services answer, so a refusal is the credentials', not a service that is not up.
 * The first-start password: FirstStartIT.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerSuite.class)
public class SecureDefaultsIT extends HotvisorTestSupport {
    private static final String LOOPBACK4 = "0100007F"; // /proc/net/tcp: 127.0.0.1, little endian
    private static final Set<String> LOOPBACK6 = Set.of(
            "00000000000000000000000001000000", // ::1
            "0000000000000000FFFF00000100007F"); // ::ffff:127.0.0.1
    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(10);

    @Test
    public void sshAndJmxListenOnlyOnLoopbackAndSftpIsOff() throws Exception {
        Properties shell = etc("org.apache.karaf.shell.cfg");
        assertEquals("sshHost in etc/org.apache.karaf.shell.cfg", "127.0.0.1", shell.getProperty("sshHost"));
        assertEquals("sftpEnabled in etc/org.apache.karaf.shell.cfg", "false", shell.getProperty("sftpEnabled"));
        Properties management = etc("org.apache.karaf.management.cfg");
        assertEquals("127.0.0.1", management.getProperty("rmiRegistryHost"));
        assertEquals("127.0.0.1", management.getProperty("rmiServerHost"));

        // What the container's sockets do, not only what etc/ says: every listening socket of
        // this JVM on the SSH and JMX ports is bound to loopback (no wildcard, no other address).
        int sshPort = Integer.parseInt(shell.getProperty("sshPort").trim());
        awaitSshAnswers(TEST_USER, testPassword());
        awaitJmx(TEST_USER, testPassword()).close();
        for (int port : new int[] {sshPort, Integer.parseInt(JMX_REGISTRY_PORT), Integer.parseInt(JMX_SERVER_PORT)}) {
            List<String> addresses = listeningAddresses(port);
            assertFalse("this JVM listens on port " + port, addresses.isEmpty());
            for (String address : addresses) {
                assertTrue("port " + port + " listens on " + address + ", not loopback", isLoopback(address));
            }
        }

        // SFTP: the subsystem is refused even to a user who may log in.
        try (SshClient client = client(); ClientSession session = login(client, TEST_USER, testPassword())) {
            try (ClientChannel sftp = session.createSubsystemChannel("sftp")) {
                boolean opened;
                try {
                    sftp.open().verify(LOGIN_TIMEOUT);
                    opened = !sftp.waitFor(Set.of(ClientChannelEvent.CLOSED), LOGIN_TIMEOUT.toMillis())
                            .contains(ClientChannelEvent.CLOSED);
                } catch (IOException refused) {
                    opened = false;
                }
                assertFalse("the SFTP subsystem is served", opened);
            }
        }
    }

    @Test
    public void karafKarafIsRefusedOverSshAndJmx() throws Exception {
        // Both services answer the tests' account first.
        awaitSshAnswers(TEST_USER, testPassword());
        awaitJmx(TEST_USER, testPassword()).close();

        try (SshClient client = client()) {
            try (ClientSession session = login(client, "karaf", "karaf")) {
                fail("SSH accepted karaf/karaf");
            } catch (IOException refused) {
                // the expected outcome: authentication failed
            }
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL),
                Map.of(JMXConnector.CREDENTIALS, new String[] {"karaf", "karaf"}))) {
            fail("JMX accepted karaf/karaf");
        } catch (SecurityException refused) {
            // the expected outcome: "Invalid username or password"
        }
    }

    @Test
    public void passwordsAreStoredHashed() throws Exception {
        Properties jaas = etc("org.apache.karaf.jaas.cfg");
        assertEquals("encryption.enabled in etc/org.apache.karaf.jaas.cfg", "true",
                jaas.getProperty("encryption.enabled"));
        // As shipped, no user has a password: karaf gets one on the first start through bin/karaf
        // (FirstStartIT), which Pax Exam does not run. The tests' own users are hashed.
        Properties users = etc("users.properties");
        assertFalse("karaf has a password in etc/users.properties", users.containsKey("karaf"));
        for (String user : users.stringPropertyNames()) {
            if (!user.startsWith("_g_:")) {
                assertTrue(user + "'s password is hashed", users.getProperty(user).startsWith("{CRYPT}"));
            }
        }
    }

    /**
     * README.md, "Logging in": the password changed in the shell, as an operator does over SSH
     * (jaas:update needs the admin role, which the session's subject must have), is stored hashed
     * and logs in; the old one does not.
     */
    @Test
    public void jaasUserAddOverSshStoresAHash() throws Exception {
        awaitSshAnswers(TEST_USER, testPassword());
        String old = TestPasswords.random();
        String password = TestPasswords.random();
        // Retried until the user is stored: SSH may let users in before Karaf has registered the
        // jaas:* commands (CI once waited for this user in vain).
        await("jaas:user-add over SSH to store readme-user", BOOT_TIMEOUT, () -> {
            try {
                sshCommand("jaas:realm-manage --realm karaf; jaas:user-add readme-user " + old
                        + "; jaas:group-add readme-user admingroup; jaas:update");
            } catch (IOException notYet) {
                // a command missing fails the session
            }
            try {
                return etc("users.properties").getProperty("readme-user", "").contains("admingroup");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        awaitJmx("readme-user", old).close();
        // An existing user keeps its groups.
        sshCommand("jaas:realm-manage --realm karaf; jaas:user-add readme-user " + password + "; jaas:update");
        // Karaf writes upper-case hex, and compares hex without case.
        assertEquals((TestPasswords.crypt(password) + ",_g_:admingroup").toLowerCase(),
                etc("users.properties").getProperty("readme-user").toLowerCase());
        awaitJmx("readme-user", password).close();
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL),
                Map.of(JMXConnector.CREDENTIALS, new String[] {"readme-user", old}))) {
            fail("JMX accepted the old password");
        } catch (SecurityException refused) {
            // expected
        }
    }

    /** README.md, "Logging in": a hash written to etc/users.properties (sha256sum) logs in at once. */
    @Test
    public void aHashWrittenToUsersPropertiesLogsIn() throws Exception {
        awaitJmx(TEST_USER, testPassword()).close();
        String password = TestPasswords.random();
        Path users = Path.of(System.getProperty("karaf.etc"), "users.properties");
        Files.writeString(users, "\nreadme-editor = " + TestPasswords.crypt(password) + ",_g_:admingroup\n",
                java.nio.file.StandardOpenOption.APPEND);
        awaitJmx("readme-editor", password).close();
    }

    private static Properties etc(String name) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("karaf.etc"), name))) {
            properties.load(in);
        }
        return properties;
    }

    private static SshClient client() {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        return client;
    }

    private static int sshPort() {
        try {
            return Integer.parseInt(etc("org.apache.karaf.shell.cfg").getProperty("sshPort").trim());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** An authenticated session; IOException when the server refuses the password. */
    private static ClientSession login(SshClient client, String user, String password) throws IOException {
        ClientSession session = client.connect(user, "127.0.0.1", sshPort()).verify(LOGIN_TIMEOUT).getSession();
        try {
            session.addPasswordIdentity(password);
            session.auth().verify(LOGIN_TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** One command over SSH as the tests' user (Karaf ends the connection with the command). */
    private static String sshCommand(String command) throws IOException {
        try (SshClient client = client(); ClientSession session = login(client, TEST_USER, testPassword())) {
            return session.executeRemoteCommand(command);
        }
    }

    /** The SSH server comes up with the ssh feature: retried until it lets the user in. */
    private static void awaitSshAnswers(String user, String password) {
        await("SSH to accept " + user, BOOT_TIMEOUT, () -> {
            try (SshClient client = client(); ClientSession session = login(client, user, password)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static JMXConnector awaitJmx(String user, String password) {
        JMXConnector[] connector = new JMXConnector[1];
        await(JMX_URL + " to accept " + user, BOOT_TIMEOUT, () -> {
            try {
                connector[0] = JMXConnectorFactory.connect(new JMXServiceURL(JMX_URL),
                        Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        return connector[0];
    }

    /** The local addresses (hex, as /proc/net/tcp{,6} show them) of this process's TCP listeners on the port. */
    private static List<String> listeningAddresses(int port) throws IOException {
        Set<String> ownSockets = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        ownSockets.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // not a socket any more
                }
            }
        }
        List<String> addresses = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                boolean listening = f[3].equals("0A");
                if (listening && Integer.parseInt(local[1], 16) == port && ownSockets.contains(f[9])) {
                    addresses.add(local[0]);
                }
            }
        }
        return addresses;
    }

    private static boolean isLoopback(String hex) {
        return hex.equals(LOOPBACK4) || LOOPBACK6.contains(hex);
    }
}
