package io.hotvisor.itests;

import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.options.extra.VMOption;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Boots the assembled Hotvisor distribution (assembly/target/hotvisor-VERSION.tar.gz) once for
 * all test classes (they share this configuration, and the reactor strategy is PerSuite). These
 * tests run no VM, so they need no KVM: the container, its features, bundle lifecycle, the shell's
 * errors and the JMX connector. Tests with VMs drive a distribution started by scripts/run.sh
 * (io.hotvisor.itests.running), in the lab where /dev/kvm is missing or slow.
 *
 * <p>The distribution ships offline (no remote Maven repositories). Pax Exam installs its own
 * bundles (feature "exam": probe support, JUnit, injection) by mvn: URL, so the container's
 * pax-url is pointed at the Maven local repository of the build; the itests POM copies those
 * bundles, which downloads them into that repository first.
 */
public abstract class HotvisorTestSupport {

    /** The demo VM defined by etc/io.hotvisor.vm~demo.cfg (configuration io.hotvisor.vm~demo). */
    protected static final String DEMO = "demo";
    protected static final String CORE_BUNDLE = "io.hotvisor.core-vmm";

    /** Karaf's default JMX ports, as shipped in the distribution. */
    protected static final String JMX_REGISTRY_PORT = "1099";
    protected static final String JMX_SERVER_PORT = "44444";
    protected static final String JMX_URL = "service:jmx:rmi://127.0.0.1:" + JMX_SERVER_PORT
            + "/jndi/rmi://127.0.0.1:" + JMX_REGISTRY_PORT + "/karaf-root";

    /**
     * The tests' own account (the distribution ships none with a password: bin/setenv makes
     * karaf's on the first start through bin/karaf, which Pax Exam does not run). Its password is
     * random per run, written to etc/users.properties hashed as Karaf's JAAS encryption stores
     * it, and handed to the container (where the tests run) in a system property.
     */
    protected static final String TEST_USER = "itest";
    protected static final String TEST_PASSWORD_PROPERTY = "hotvisor.itest.password";

    /** Container services (bundles, features, JMX connector) after Pax Exam says it is up. */
    protected static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
    /** The demo VM defined (from etc/), its MBean registered. */
    protected static final Duration DEMO_TIMEOUT = Duration.ofSeconds(45);

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected FeaturesService featuresService;

    @Inject
    protected SessionFactory sessionFactory;

    @Configuration
    public Option[] config() {
        String distribution = required("hotvisor.distribution");
        File archive = new File(distribution);
        if (!archive.isFile()) {
            throw new IllegalStateException("The distribution " + archive
                    + " does not exist: build the assembly module first (./mvnw verify builds it)");
        }
        requirePortFree(JMX_REGISTRY_PORT);
        requirePortFree(JMX_SERVER_PORT);
        String localRepo = required("hotvisor.itest.localRepository");
        String unpack = System.getProperty("hotvisor.itest.unpackDirectory", "target/exam");
        String karafVersion = System.getProperty("karaf.version", "4.4.10");
        String password = TestPasswords.random();

        List<Option> options = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(archive.toURI().toString())
                        .karafVersion(karafVersion)
                        .name("Hotvisor")
                        .unpackDirectory(new File(unpack))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.INFO),
                // Same small-container settings as bin/setenv (Pax Exam does not run bin/karaf).
                vmOptions("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                // What bin/karaf adds on Java 9+ (Pax Exam 4.14 starts java itself and does not).
                vmOptions(java9PlusOptions(karafVersion)),
                // Pax Exam's own bundles come from the build's local repository.
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg",
                        "org.ops4j.pax.url.mvn.localRepository", localRepo),
                editConfigurationFilePut("etc/users.properties", TEST_USER,
                        TestPasswords.crypt(password) + ",_g_:admingroup"),
                systemProperty(TEST_PASSWORD_PROPERTY).value(password),
                // Karaf's JMX connector where an operator finds it: Pax Exam writes random ports into
                // etc/org.apache.karaf.management.cfg after our edits, but Karaf (4.3+) lets
                // system properties named PID.key override any configuration.
                systemProperty("org.apache.karaf.management.rmiRegistryPort").value(JMX_REGISTRY_PORT),
                systemProperty("org.apache.karaf.management.rmiServerPort").value(JMX_SERVER_PORT),
                // serviceUrl is interpolated from the file's ports, so it is overridden as well.
                systemProperty("org.apache.karaf.management.serviceUrl").value(JMX_URL)));
        if (Boolean.getBoolean("hotvisor.itest.keep")) {
            options.add(keepRuntimeFolder());
        }
        String debug = System.getProperty("hotvisor.itest.debugPort");
        if (debug != null && !debug.isBlank()) {
            options.add(new VMOption("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:" + debug));
        }
        return options.toArray(new Option[0]);
    }

    /** The tests' password (inside the container). */
    protected static String testPassword() {
        return required(TEST_PASSWORD_PROPERTY);
    }

    /** Copied from Karaf 4.4's bin/karaf; paths are relative to the container's home (its cwd). */
    private static String[] java9PlusOptions(String karafVersion) {
        return new String[] {
            "--add-reads=java.xml=java.logging",
            "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
            "--patch-module=java.base=lib/endorsed/org.apache.karaf.specs.locator-" + karafVersion + ".jar",
            "--patch-module=java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + karafVersion + ".jar",
            "--add-opens=java.base/java.security=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.naming/javax.naming.spi=ALL-UNNAMED",
            "--add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
            "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
            "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
            "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED",
            "-Dkaraf.restart.jvm.supported=false",
        };
    }

    /** A Karaf already listening there (scripts/run.sh?) would answer the JMX tests instead. */
    private static void requirePortFree(String port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 500);
        } catch (IOException free) {
            return;
        }
        throw new IllegalStateException("Port " + port + " on 127.0.0.1 is in use (another Karaf, e.g. one"
                + " started by scripts/run.sh?): the tests need Karaf's JMX ports 1099 and 44444");
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + name + " is not set (run through Maven)");
        }
        return value;
    }


    protected Bundle bundle(String symbolicName) {
        for (Bundle b : bundleContext.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    protected void awaitBundleActive(String symbolicName, Duration timeout) {
        await("bundle " + symbolicName + " ACTIVE", timeout, () -> {
            Bundle b = bundle(symbolicName);
            return b != null && b.getState() == Bundle.ACTIVE;
        });
    }

    /** Runs a shell command with a 30 s limit; see {@link KarafShell}. */
    protected String shell(String command) {
        return new KarafShell(sessionFactory).execute(command, Duration.ofSeconds(30));
    }

    /**
     * Runs {@code command} until its output satisfies {@code accept} or {@code timeout} passes;
     * returns the accepted output. Command failures count as "not yet".
     */
    protected String awaitOutput(String command, Duration timeout, Predicate<String> accept, String what) {
        KarafShell sh = new KarafShell(sessionFactory);
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        Throwable lastError = null;
        long pause = 100;
        while (true) {
            try {
                last = sh.execute(command, Duration.ofSeconds(30));
                lastError = null;
                if (accept.test(last)) {
                    return last;
                }
            } catch (RuntimeException | AssertionError e) {
                lastError = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError e = new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for "
                        + what + "; last output of '" + command + "':\n" + last);
                if (lastError != null) {
                    e.initCause(lastError);
                }
                throw e;
            }
            sleep(pause);
            pause = Math.min(pause * 2, 1000);
        }
    }


    /** Polls {@code condition} (100 ms growing to 1 s) until true or {@code timeout} passes. */
    protected static void await(String what, Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 100;
        while (!Boolean.TRUE.equals(condition.get())) {
            if (System.nanoTime() > deadline) {
                fail("Timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            sleep(pause);
            pause = Math.min(pause * 2, 1000);
        }
    }

    protected static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
