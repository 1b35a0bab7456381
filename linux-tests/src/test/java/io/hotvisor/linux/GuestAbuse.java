package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.VcpuDump;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 14's guest abuse: for each abuse mode of the probe guest ({@code abuse ...}, see its
 * README), one abusive VM runs next to a well-behaved one. Afterwards the well-behaved VM still
 * answers on its console, the abusive one is running (and answers), reset or failed with a reason,
 * its threads never pile up (at most its vCPUs, its I/O thread and its guest-request worker at any
 * moment), the JVM's fds and the VMM's threads come back to where they were once it is destroyed,
 * and its console log stays within the configured cap ({@code console.log.max-bytes} × files).
 * <p>
 * The abusive VM has CPU hotplug (max-vcpus 2), memory hotplug (2 slots) and PCI hotplug, so all
 * four platform register pages have a controller behind them. Its console is watched by a bounded
 * {@link Watch}, not a {@link GuestConsole}, which would keep a flood in memory.
 * <p>
 * One class per mode: the lab's L1 has wedged during these floods of exits, and a class that
 * ended keeps its result when the lab boots L1 again (lab/README.md), so each mode is run again
 * alone, not with all the others.
 */
@ExtendWith(LinuxGuests.class)
abstract class GuestAbuse {
    private static final Duration GUEST = Duration.ofSeconds(120);
    private static final long LOG_CAP = 64 << 10;
    private static final int LOG_FILES = 2;
    private static final Map<String, String> HOTPLUG = Map.of("hotplug-memory", "1G", "memory-slots", "2");
    static final int MAX_VCPUS = 2;
    /** At most: every vCPU thread, the I/O thread and the guest-request worker. */
    private static final int MAX_VM_THREADS = MAX_VCPUS + 2;
    /** fds the JVM itself may open meanwhile (a jar, a log): far fewer than one per reset or boot. */
    static final int FD_SLACK = 3;

    private static GuestConsole good;

    @BeforeAll
    static void bootTheWellBehavedVm(LinuxGuests.Guests guests) {
        guests.manager().configure(Map.of("console.log.max-bytes", Long.toString(LOG_CAP),
                "console.log.files", Integer.toString(LOG_FILES)));
        good = guests.probe("good", "console=ttyS0", 1);
        guests.manager().get("good").start();
        good.waitFor("probe> ", GUEST);
    }

    private static void goodVmAnswers() {
        good.sendLine("cpus");
        good.waitFor("cpus: 1 online: 0", GUEST);
        good.waitFor("probe> ", GUEST);
    }

    /** The abusive VM, its console watch, and the most its threads and fds reached meanwhile. */
    static final class Abused {
        /** Before the VM was created. */
        final Usage before;
        final Vm vm;
        final Watch watch = new Watch();
        Usage peak;
        long maxThreads;
        /** A {@link #command} printed its last line (else the VM reset or failed meanwhile). */
        boolean finished;

        private Abused(Usage before, Vm vm) {
            this.before = before;
            this.vm = vm;
            this.peak = before;
        }

        /**
         * A VM at its prompt that runs {@code command} until it prints {@code done}; the
         * well-behaved VM answers meanwhile (while the abuse runs, most likely). A VM that reset
         * itself or failed (with a reason) meanwhile is an outcome too, said loudly: endAndCheck
         * judges it (in the lab the probe guest has triple-faulted in long runs, see the issue 12
         * closing note, and once during a console flood).
         */
        static Abused command(LinuxGuests.Guests guests, String name, String command, String done) {
            return command(guests, name, command, done, GUEST);
        }

        /**
         * As {@link #command(LinuxGuests.Guests, String, String, String)}, waiting up to {@code timeout}.
         * A run the lab's emulator fault cut short (lab/README.md: a guest reset, or a stop with a
         * vCPU holding L1's state) runs once more on a new VM, loudly; the second run stands.
         */
        static Abused command(LinuxGuests.Guests guests, String name, String command, String done, Duration timeout) {
            Abused abused = attempt(guests, name, command, done, timeout);
            if (!abused.finished && abused.vm.state() != VmState.FAILED) {
                System.err.println("*** " + name + ": the lab's emulator fault cut '" + command + "' short (lab/README.md);"
                        + " once more on a new VM");
                guests.manager().destroy(name);
                abused = attempt(guests, name + "-again", command, done, timeout);
            }
            return abused;
        }

        private static Abused attempt(LinuxGuests.Guests guests, String name, String command, String done, Duration timeout) {
            Abused abused = start(guests, name, "");
            abused.vm.console().sendInput((command + "\r").getBytes(StandardCharsets.US_ASCII));
            goodVmAnswers();
            String outcome;
            try {
                abused.await("'" + done + "'", () -> abused.watch.lines(done) > 0 || abused.vm.state() == VmState.FAILED
                                || abused.guestResets(guests) > 0, timeout);
                outcome = abused.vm.state() == VmState.FAILED ? "failed" : "reset itself";
            } catch (AssertionError e) {
                if (abused.vm.state() != VmState.RUNNING || !VcpuDump.holdsL1State(abused.vm)) {
                    throw e;
                }
                outcome = "stopped, a vCPU holding L1's state: " + e.getMessage();
            }
            abused.finished = abused.watch.lines(done) > 0;
            if (!abused.finished) {
                System.err.println("*** " + name + ": '" + command + "' did not finish: the VM " + outcome + abused.context());
            }
            return abused;
        }

        /** A VM with {@code abuse} added to its command line, started; without, at its prompt. */
        static Abused start(LinuxGuests.Guests guests, String name, String abuse) {
            Usage before = Usage.now();
            Vm vm = guests.manager().create(new VmSpec(name, LinuxKit.get().probeImage().toString(), null,
                    ("console=ttyS0 " + abuse).strip(), 1, MAX_VCPUS, 64L << 20, HOTPLUG));
            Abused abused = new Abused(before, vm);
            vm.console().attach(abused.watch);
            vm.start();
            if (abuse.isEmpty()) {
                abused.await("the prompt", () -> abused.watch.prompts() > 0);
            }
            return abused;
        }

        long guestResets(LinuxGuests.Guests guests) {
            return guests.events().stream().filter(event -> event.vm().equals(vm.name())
                    && event.payload() instanceof VmEvent.Reset reset && reset.guest()).count();
        }

        /**
         * Polls {@code done}, sampling this VM's threads and the JVM's fds meanwhile; fails at once
         * if the VM fails before it is done.
         */
        void await(String what, BooleanSupplier done) {
            await(what, () -> {
                if (vm.state() == VmState.FAILED && !done.getAsBoolean()) {
                    throw new AssertionError(vm.name() + " failed while waiting for " + what + context());
                }
                return done.getAsBoolean();
            }, GUEST);
        }

        private void await(String what, BooleanSupplier done, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.getAsBoolean()) {
                Usage now = Usage.now();
                peak = new Usage(Math.max(peak.fds(), now.fds()), Math.max(peak.vmmThreads(), now.vmmThreads()));
                maxThreads = Math.max(maxThreads, vmThreads(vm.name()));
                if (maxThreads > MAX_VM_THREADS) {
                    throw new AssertionError(maxThreads + " threads of " + vm.name() + " at once, more than its "
                            + MAX_VCPUS + " vCPUs, I/O thread and request worker" + context());
                }
                if (System.nanoTime() > deadline) {
                    // The registers tell a guest spinning somewhere from the lab's emulator fault (lab/README.md).
                    throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s" + context()
                            + "\n--- its vCPUs ---\n" + VcpuDump.of(vm));
                }
                GuestConsole.sleep(20);
            }
        }

        void awaitLine(String prefix) {
            await("'" + prefix + "'", () -> watch.lines(prefix) > 0);
        }

        /**
         * The abusive VM is running and answers (or reset, or failed with a reason), so does the
         * well-behaved one, the console log kept its cap; once it is destroyed none of its threads
         * is left and the fds are back.
         */
        void endAndCheck(LinuxGuests.Guests guests) {
            VmState state = vm.state();
            assertThat(state).as("state of %s%s", vm.name(), context())
                    .isIn(VmState.RUNNING, VmState.SHUTDOWN, VmState.FAILED);
            if (state == VmState.FAILED) {
                assertThat(vm.failure()).as("why %s failed", vm.name()).isPresent();
            }
            if (state == VmState.RUNNING && watch.prompts() > 0) {
                long prompts = watch.prompts();
                vm.console().sendInput("help\r".getBytes(StandardCharsets.US_ASCII));
                awaitLine("  abuse");
                await("the prompt after help", () -> watch.prompts() > prompts);
            }
            goodVmAnswers();
            checkConsoleLog();
            guests.manager().destroy(vm.name());
            await("no thread of " + vm.name() + " after destroy", () -> vmThreads(vm.name()) == 0, GUEST);
            Usage after = Usage.now();
            assertThat(after.fds()).as("fds after destroy (before create: %s)", before)
                    .isLessThanOrEqualTo(before.fds() + FD_SLACK);
            assertThat(after.vmmThreads()).as("VMM threads after destroy").isLessThanOrEqualTo(before.vmmThreads());
        }

        private void checkConsoleLog() {
            Path log = vm.dataDirectory().resolve("console.log");
            try (Stream<Path> files = Files.list(vm.dataDirectory())) {
                List<Path> logs = files.filter(file -> file.getFileName().toString().startsWith("console.log")).toList();
                assertThat(logs).as("console logs").hasSizeLessThanOrEqualTo(LOG_FILES).contains(log);
                for (Path file : logs) {
                    assertThat(Files.size(file)).as("size of %s", file.getFileName()).isLessThanOrEqualTo(LOG_CAP);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String context() {
            return "\n--- " + vm.name() + " (state " + vm.state().label() + vm.failure().map(f -> ": " + f).orElse("")
                    + ", " + watch.bytes.get() + " console bytes), last lines of its console ---\n" + vm.console().recentOutput(30)
                    + "\n--- end of console of " + vm.name() + " ---";
        }
    }

    /**
     * The abusive VM's console, kept bounded: the byte count, the prompts, and the last lines but
     * flood lines (each cut to {@value #KEPT} characters).
     */
    static final class Watch implements VmConsole.Listener {
        private static final int KEPT = 80;
        private static final int LINES = 10_000;
        private static final String PROMPT = "probe> ";
        final AtomicLong bytes = new AtomicLong();
        private final StringBuilder line = new StringBuilder();
        private final ArrayDeque<String> lines = new ArrayDeque<>();
        private long prompts;

        @Override
        public void output(byte b) {
            bytes.incrementAndGet();
            synchronized (lines) {
                if (b == '\n') {
                    if (lines.size() == LINES) {
                        lines.removeFirst();
                    }
                    if (!line.toString().startsWith("flood: ")) {
                        lines.addLast(line.toString());
                    }
                    line.setLength(0);
                } else if (b != '\r' && line.length() < KEPT) {
                    line.append((char) (b & 0xFF));
                    if (line.length() == PROMPT.length() && line.toString().equals(PROMPT)) {
                        prompts++;
                    }
                }
            }
        }

        /** How many of the lines kept begin with {@code prefix}. */
        long lines(String prefix) {
            synchronized (lines) {
                return lines.stream().filter(text -> text.startsWith(prefix)).count();
            }
        }

        long prompts() {
            synchronized (lines) {
                return prompts;
            }
        }
    }

    /** The JVM's open fds and the VMM's threads (vCPU, I/O and guest-request threads of every VM). */
    record Usage(long fds, long vmmThreads) {
        static Usage now() {
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                long vmm = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                        .filter(name -> name.startsWith("vcpu-") || name.startsWith("vm-") || name.startsWith("io-")).count();
                return new Usage(fds.count(), vmm);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static long vmThreads(String vm) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("vcpu-" + vm + "-") || name.equals("io-" + vm)
                        || name.equals("vm-" + vm + "-requests")).count();
    }
}
