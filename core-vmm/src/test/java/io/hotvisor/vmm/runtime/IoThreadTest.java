package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.kvm.EventFd;
import io.hotvisor.vmm.testing.OpenFds;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link IoThread} over real eventfds and epoll on the host; no KVM needed. */
class IoThreadTest {
    private static final long TIMEOUT_SECONDS = 5;

    private final IoThread io = new IoThread("test");
    private final EventFd notifier = EventFd.create();

    /** Loads JNA, libc and the thread's classes before any test counts fds. */
    @BeforeAll
    static void warmUp() {
        new IoThread("warm-up").close();
    }

    @AfterEach
    void closeAll() {
        io.close();
        notifier.close();
    }

    @Test
    void aSignalRunsTheHandlerOnTheIoThreadWithTheNotifierDrained() throws Exception {
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        AtomicInteger leftPending = new AtomicInteger(-1);
        io.watch(notifier, () -> {
            leftPending.set((int) notifier.drain());
            ranOn.complete(Thread.currentThread().getName());
        });
        notifier.signal();
        assertThat(ranOn.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("io-test");
        assertThat(leftPending).hasValue(0);
    }

    @Test
    void eachSignalRunsTheHandlerAgain() throws Exception {
        Semaphore runs = new Semaphore(0);
        io.watch(notifier, runs::release);
        notifier.signal();
        assertThat(runs.tryAcquire(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        notifier.signal();
        assertThat(runs.tryAcquire(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(runs.tryAcquire(50, TimeUnit.MILLISECONDS)).as("no run without a signal").isFalse();
    }

    @Test
    void executeRunsTasksOnTheIoThreadInOrder() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            int task = i;
            io.execute(() -> log.add(task + " on " + Thread.currentThread().getName()));
        }
        awaitIoThread();
        assertThat(log).containsExactly("0 on io-test", "1 on io-test", "2 on io-test");
    }

    @Test
    void aHandlerThatThrowsIsNoLongerWatchedAndTheLoopGoesOn() throws Exception {
        AtomicInteger failingRuns = new AtomicInteger();
        Registration failing = io.watch(notifier, () -> {
            failingRuns.incrementAndGet();
            throw new IllegalStateException("device model bug (expected by the test)");
        });
        Semaphore goodRuns = new Semaphore(0);
        try (EventFd other = EventFd.create()) {
            io.watch(other, goodRuns::release);
            notifier.signal();
            awaitIoThread();
            notifier.signal();
            other.signal();
            assertThat(goodRuns.tryAcquire(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
            awaitIoThread();
        }
        assertThat(failingRuns).hasValue(1);
        failing.close();
    }

    @Test
    void aClosedRegistrationNoLongerRunsItsHandler() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Registration registration = io.watch(notifier, runs::incrementAndGet);
        registration.close();
        registration.close();
        notifier.signal();
        awaitIoThread();
        assertThat(runs).hasValue(0);
    }

    @Test
    void closeRunsTheTasksAlreadyAcceptedThenJoinsTheThreadAndClosesItsFds() throws Exception {
        long fdsBefore = OpenFds.anonymous();
        IoThread other = new IoThread("closing");
        assertThat(OpenFds.anonymous()).as("its epoll and wake-up eventfd").isEqualTo(fdsBefore + 2);
        List<String> ran = new CopyOnWriteArrayList<>();
        other.execute(() -> {
            sleep(100);
            ran.add("slow");
        });
        other.execute(() -> ran.add("last"));

        other.close();
        other.close();

        assertThat(ran).containsExactly("slow", "last");
        assertThat(threadsNamed("io-closing")).isZero();
        assertThat(OpenFds.anonymous()).isEqualTo(fdsBefore);
        assertThatThrownBy(() -> other.execute(() -> { })).isInstanceOf(VmException.class)
                .hasMessage("io-closing is closed");
        assertThatThrownBy(() -> other.watch(notifier, () -> { })).isInstanceOf(VmException.class);
    }

    @Test
    void closedFromItsOwnHandlerTheThreadEndsAndClosesItsFds() throws Exception {
        long fdsBefore = OpenFds.anonymous();
        IoThread other = new IoThread("self-closing");
        other.execute(other::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (threadsNamed("io-self-closing") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(threadsNamed("io-self-closing")).isZero();
        assertThat(OpenFds.anonymous()).isEqualTo(fdsBefore);
    }

    /** Returns once the I/O thread has run everything it had before this call. */
    private void awaitIoThread() throws Exception {
        CompletableFuture<Void> reached = new CompletableFuture<>();
        io.execute(() -> reached.complete(null));
        reached.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).count();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
