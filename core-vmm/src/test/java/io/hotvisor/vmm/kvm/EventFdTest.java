package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.testing.OpenFds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link EventFd} on the host's eventfd(2); no KVM needed. */
class EventFdTest {
    /** Loads JNA and libc before any test counts fds: loading opens a few of its own. */
    @BeforeAll
    static void loadNativeLibraries() {
        EventFd.create().close();
    }

    @Test
    void drainReturnsTheSignalsSinceTheLastDrainAndZeroWhenNonePending() {
        try (EventFd eventFd = EventFd.create()) {
            assertThat(eventFd.drain()).isZero();
            eventFd.signal();
            eventFd.signal();
            eventFd.signal();
            assertThat(eventFd.drain()).isEqualTo(3);
            assertThat(eventFd.drain()).isZero();
        }
    }

    @Test
    void isNonBlockingAndClosedOnExec() {
        try (EventFd eventFd = EventFd.create()) {
            assertThat(OpenFds.flags(eventFd.fd()) & LibC.EFD_NONBLOCK).isNotZero();
            assertThat(OpenFds.flags(eventFd.fd()) & LibC.EFD_CLOEXEC).isNotZero();
        }
    }

    @Test
    void signalsFromManyThreadsAllCount() throws InterruptedException {
        int threads = 4;
        int signalsEach = 2_000;
        try (EventFd eventFd = EventFd.create()) {
            AtomicLong drained = new AtomicLong();
            List<Thread> signallers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < signalsEach; i++) {
                        eventFd.signal();
                    }
                });
                signallers.add(thread);
                thread.start();
            }
            while (signallers.stream().anyMatch(Thread::isAlive)) {
                drained.addAndGet(eventFd.drain());
            }
            for (Thread thread : signallers) {
                thread.join();
            }
            drained.addAndGet(eventFd.drain());
            assertThat(drained).hasValue((long) threads * signalsEach);
        }
    }

    @Test
    void closeReleasesTheFdOnceAndLaterUseFails() {
        long before = OpenFds.anonymous();
        EventFd eventFd = EventFd.create();
        assertThat(OpenFds.anonymous()).isEqualTo(before + 1);
        eventFd.close();
        eventFd.close();
        assertThat(OpenFds.anonymous()).isEqualTo(before);
        assertThatThrownBy(eventFd::signal).isInstanceOf(KvmException.class).hasMessage("eventfd is closed");
        assertThatThrownBy(eventFd::drain).isInstanceOf(KvmException.class).hasMessage("eventfd is closed");
    }
}
