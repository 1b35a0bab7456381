package io.hotvisor.itests.running;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import io.hotvisor.itests.TestPasswords;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * The assembled distribution started as a user starts it, with {@code scripts/run.sh --detach}
 * (on this host where /dev/kvm is fast, else inside the software lab), in its own run directory
 * ({@code itests/target/run}), and driven from outside as an operator does: {@code scripts/shell.sh}
 * for shell commands, Karaf's JMX connector and QMP over TCP on 127.0.0.1. One instance serves
 * every test class of the run ({@link WithRunningHotvisor}); {@link #stop()} ends it by its PID
 * through {@code scripts/run.sh --stop}, and a shutdown hook does the same after a failure.
 */
public final class RunningHotvisor {
    /** run.sh's exit status when VMs cannot run here at all (the lab cannot start: no QEMU). */
    static final int CANNOT_RUN_VMS = 3;
    /** run.sh --detach: the lab's L1 boot, a first Karaf start (the bundle cache is empty) and the shell. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(8);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private static RunningHotvisor instance;
    private static String startFailure;
    private static String skipReason;

    private final Path root;
    private final Path runDir;
    private final String where;
    private final Thread stopOnExit;
    private boolean stopped;

    /** What a script printed and its exit status. */
    public record Result(int status, String output) {
        public boolean ok() {
            return status == 0;
        }
    }

    private RunningHotvisor(Path root, Path runDir, String where) {
        this.root = root;
        this.runDir = runDir;
        this.where = where;
        stopOnExit = new Thread(this::stopQuietly, "stop-running-hotvisor");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /** The running Hotvisor, started by the first caller; a start that failed fails every later caller at once. */
    static synchronized RunningHotvisor get() {
        if (skipReason != null) {
            Assumptions.abort(skipReason);
        }
        if (startFailure != null) {
            fail("(Hotvisor did not start for an earlier test class) " + startFailure);
        }
        if (instance == null) {
            try {
                instance = start();
            } catch (TestAbortedException e) {
                skipReason = e.getMessage();
                throw e;
            } catch (AssertionError | RuntimeException e) {
                startFailure = e.getMessage();
                throw e;
            }
        }
        return instance;
    }

    /** The instance if one was started and not stopped yet. */
    static synchronized RunningHotvisor current() {
        return instance;
    }

    /** L1 wedges that {@link #restartIfWedged()} may restart from, per run (lab/run-lab.sh allows as many attempts). */
    private static final int WEDGE_RESTARTS = 2;
    /** As lab/run-lab.sh's HOTVISOR_LAB_STALL: no heartbeat for this long means L1 stopped. */
    private static final Duration HEARTBEAT_STALL = Duration.ofSeconds(60);
    private static int wedges;

    /**
     * After a failed test: when the lab's L1 wedged under it (QEMU ended on L1's panic, as
     * lab/README.md describes: the emulator, not Hotvisor), says so loudly, keeps L1's console
     * as {@code l1-console-wedged-N.log} and starts Hotvisor again, so that the test can be run
     * once more. Returns false for any other failure.
     */
    static synchronized boolean restartIfWedged() {
        RunningHotvisor wedged = instance;
        if (wedged == null || wedges >= WEDGE_RESTARTS || !wedged.l1Wedged()) {
            return false;
        }
        wedges++;
        Path console = wedged.runDir.resolve("state").resolve("l1-console.log");
        try {
            Files.copy(console, wedged.runDir.resolve("l1-console-wedged-" + wedges + ".log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("cannot keep " + console + ": " + e);
        }
        System.err.println("*** L1 WEDGED under a test (restart " + wedges + " of " + WEDGE_RESTARTS
                + "): the emulator's nested SVM stalled, not a test failure; its console is "
                + wedged.runDir.resolve("l1-console-wedged-" + wedges + ".log") + ". Starting Hotvisor again.");
        wedged.stop();
        try {
            instance = start();
        } catch (AssertionError | RuntimeException e) {
            startFailure = "after an L1 wedge: " + e.getMessage();
            throw e;
        }
        return true;
    }

    /**
     * Whether this Hotvisor ran in the lab and its L1 wedged: QEMU ended on a kernel panic that
     * nobody asked for, or L1 stopped: its heartbeat (rewritten every 5 s) is a minute old.
     */
    private boolean l1Wedged() {
        if (!"lab".equals(where) || stopped) {
            return false;
        }
        Path state = runDir.resolve("state");
        try {
            long qemu = Long.parseLong(Files.readString(state.resolve("qemu.pid")).trim());
            if (ProcessHandle.of(qemu).map(ProcessHandle::isAlive).orElse(false)) {
                Instant beat = Files.getLastModifiedTime(state.resolve("out").resolve("heartbeat")).toInstant();
                return beat.isBefore(Instant.now().minus(HEARTBEAT_STALL));
            }
            String console = Files.readString(state.resolve("l1-console.log"), StandardCharsets.ISO_8859_1);
            return console.contains("soft lockup") || console.contains("Kernel panic");
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** run.sh's report of an L1 that ended on a panic before Karaf answered (hotvisor-in-l1.sh prints its console). */
    private static boolean bootWedged(String output) {
        return output.contains("L1 ended before Karaf") && (output.contains("Kernel panic") || output.contains("soft lockup")
                || output.contains("panic+"));
    }

    private static RunningHotvisor start() {
        Path root = Path.of(required("hotvisor.root")).toAbsolutePath().normalize();
        Path runDir = Path.of(required("hotvisor.itest.runDirectory")).toAbsolutePath().normalize();
        Result started = script(root, runDir, START_TIMEOUT, "scripts/run.sh", "--detach");
        // L1 can wedge while it boots too (a kernel panic or soft lockup before Karaf's SSH port
        // answers): start again, as often as a wedge under a test may restart it.
        while (!started.ok() && wedges < WEDGE_RESTARTS && bootWedged(started.output())) {
            wedges++;
            System.err.println("*** L1 WEDGED while Hotvisor started (restart " + wedges + " of " + WEDGE_RESTARTS
                    + "): the emulator's nested SVM stalled, not a test failure. Starting Hotvisor again.");
            script(root, runDir, Duration.ofMinutes(2), "scripts/run.sh", "--stop");
            started = script(root, runDir, START_TIMEOUT, "scripts/run.sh", "--detach");
        }
        if (started.status() == CANNOT_RUN_VMS && !"1".equals(System.getenv("HOTVISOR_REQUIRE_KVM"))) {
            String reason = "*** SKIPPED: Hotvisor cannot run VMs here (HOTVISOR_REQUIRE_KVM=1 makes this fail): "
                    + started.output().strip().replace('\n', ' ') + " ***";
            System.err.println(reason);
            Assumptions.abort(reason);
        }
        if (!started.ok()) {
            fail("scripts/run.sh --detach failed (exit status " + started.status() + "):\n" + started.output());
        }
        String where;
        try {
            where = Files.readString(runDir.resolve("state").resolve("where"), StandardCharsets.UTF_8).trim();
            // For scripts/test.sh's summary of the KVM test classes: where these ran.
            Path note = Path.of(required("hotvisor.itest.whereFile"));
            Files.createDirectories(note.getParent());
            Files.writeString(note, where + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("run.sh --detach left no readable state in " + runDir, e);
        }
        System.out.println("Hotvisor runs (" + where + "):\n" + started.output());
        return new RunningHotvisor(root, runDir, where);
    }

    /** "host" or "lab". */
    public String where() {
        return where;
    }

    /** The unpacked distribution (its karaf.home; the same path inside the lab). */
    public Path home() {
        try (var entries = Files.list(runDir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("hotvisor-") && Files.isDirectory(p))
                    .findFirst().orElseThrow(() -> new AssertionError("no hotvisor-VERSION directory in " + runDir));
        } catch (IOException e) {
            throw new AssertionError("cannot list " + runDir, e);
        }
    }

    public Path runDirectory() {
        return runDir;
    }

    /** The last lines of Karaf's log and, in the lab, of L1's console (where Karaf's own output goes). */
    public String diagnostics() {
        StringBuilder text = new StringBuilder();
        appendTail(text, "Karaf's log", home().resolve("data").resolve("log").resolve("karaf.log"), 40);
        appendTail(text, "L1's console", runDir.resolve("state").resolve("l1-console.log"), 30);
        return text.toString();
    }

    private static void appendTail(StringBuilder text, String what, Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            text.append("--- the last lines of ").append(what).append(" (").append(file).append(") ---\n");
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(line -> text.append(line).append('\n'));
        } catch (IOException e) {
            text.append("--- ").append(what).append(": cannot read ").append(file).append(": ").append(e).append('\n');
        }
    }

    private String[] jmxCredentials;

    /**
     * A JMX login of the tests' own (JMX takes no key, and the distribution has no known
     * password): a user with a random password, added once, hashed, to the running distribution's
     * etc/users.properties. Karaf reads that file at every login; in the lab etc/ is shared with
     * L1 uncached.
     */
    public synchronized String[] jmxCredentials() {
        if (jmxCredentials == null) {
            String user = "itest";
            String password = TestPasswords.random();
            Path users = home().resolve("etc").resolve("users.properties");
            try {
                Files.writeString(users, "\n# itests (RunningHotvisor): random per run\n" + user + " = "
                        + TestPasswords.crypt(password) + ",_g_:admingroup\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new AssertionError("cannot add the tests' user to " + users, e);
            }
            jmxCredentials = new String[] {user, password};
        }
        return jmxCredentials.clone();
    }

    /** {@code scripts/shell.sh COMMAND}: its output and exit status. */
    public Result run(String command) {
        return script(root, runDir, COMMAND_TIMEOUT, "scripts/shell.sh", command);
    }

    /** Runs a command that must succeed and returns its output. */
    public String shell(String command) {
        Result result = run(command);
        if (!result.ok()) {
            fail("'" + command + "' failed (exit status " + result.status() + "): " + result.output());
        }
        return result.output();
    }

    /**
     * An interactive shell session ({@code scripts/shell.sh} without a command, on a terminal of
     * its own), for what only a person at a terminal does: typing into {@code vm:console}.
     */
    public Session login() {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("scripts/shell.sh").toString())
                .directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("HOTVISOR_RUN_DIR", runDir.toString());
        try {
            return new Session(builder.start());
        } catch (IOException e) {
            throw new AssertionError("cannot start scripts/shell.sh", e);
        }
    }

    /** A login's keyboard and screen. Closing it ends the session (and the process, by its PID). */
    public static final class Session implements AutoCloseable {
        private final Process process;
        private final StringBuffer screen = new StringBuffer();
        private int seen;

        Session(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (var in = process.getInputStream()) {
                    byte[] buffer = new byte[4096];
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        screen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ended) {
                    // the session is over
                }
            }, "login-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        public void type(String keys) {
            try {
                process.getOutputStream().write(keys.getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().flush();
            } catch (IOException e) {
                throw new AssertionError("the session ended; its screen:\n" + screen, e);
            }
        }

        /** Waits until {@code text} appears after what an earlier wait saw. */
        public void await(String text, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int at;
            while ((at = screen.indexOf(text, seen)) < 0) {
                if (System.nanoTime() > deadline) {
                    fail("'" + text + "' did not appear within " + timeout.toSeconds() + " s; the screen since the last wait:\n"
                            + screen.substring(Math.min(seen, screen.length())));
                }
                sleep(100);
            }
            seen = at + text.length();
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
    }

    /** The one-line error of a command that must fail. */
    public String error(String command) {
        Result result = run(command);
        if (result.ok()) {
            fail("'" + command + "' succeeded, but it should fail: " + result.output());
        }
        return result.output().replaceAll("\u001B\\[[0-9;]*m", "").trim();
    }

    /**
     * Runs {@code command} until its output satisfies {@code accept} or {@code timeout} passes;
     * returns the accepted output. A failing command counts as "not yet".
     */
    public String awaitOutput(String command, Duration timeout, Predicate<String> accept, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Result last = null;
        long pause = 200;
        while (true) {
            last = run(command);
            if (last.ok() && accept.test(last.output())) {
                return last.output();
            }
            if (System.nanoTime() > deadline) {
                fail("Timed out after " + timeout.toSeconds() + " s waiting for " + what + " (" + where
                        + "); last output of '" + command + "' (status " + last.status() + "):\n" + last.output());
            }
            sleep(pause);
            pause = Math.min(pause * 2, 2000);
        }
    }

    /** {@code scripts/run.sh --stop}; what it printed. */
    public synchronized Result stop() {
        stopped = true;
        synchronized (RunningHotvisor.class) {
            instance = null;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs this
        }
        return script(root, runDir, Duration.ofMinutes(2), "scripts/run.sh", "--stop");
    }

    private synchronized void stopQuietly() {
        if (!stopped) {
            stopped = true;
            script(root, runDir, Duration.ofMinutes(2), "scripts/run.sh", "--stop");
        }
    }

    /** Runs ROOT/SCRIPT with this run directory; output and error together. */
    static Result script(Path root, Path runDir, Duration timeout, String script, String... args) {
        List<String> command = new ArrayList<>(List.of(root.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("HOTVISOR_RUN_DIR", runDir.toString());
        env.put("HOTVISOR_REBUILD", "0"); // the reactor built the distribution under test
        String cache = System.getProperty("hotvisor.cache");
        if (cache != null && !cache.isBlank()) {
            env.put("HOTVISOR_CACHE", cache);
        }
        try {
            Path log = Files.createTempFile("hotvisor-script", ".log");
            try {
                Process process = builder.redirectOutput(log.toFile()).start();
                process.getOutputStream().close();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    fail(script + " " + String.join(" ", args) + " did not finish within " + timeout.toSeconds()
                            + " s:\n" + Files.readString(log, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + name + " is not set (run through Maven)");
        }
        return value;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
