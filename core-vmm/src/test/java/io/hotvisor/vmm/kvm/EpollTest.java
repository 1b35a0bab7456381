package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.testing.OpenFds;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Epoll} over eventfds on the host; no KVM needed. */
class EpollTest {
    private static final long BIG_TOKEN = 0x1234_5678_9ABC_DEF0L;

    /** Loads JNA and libc before any test counts fds: loading opens a few of its own. */
    @BeforeAll
    static void loadNativeLibraries() {
        Epoll.create().close();
    }

    @Test
    void reportsTheTokensOfReadableFdsOnly() {
        try (Epoll epoll = Epoll.create(); EventFd quiet = EventFd.create(); EventFd signalled = EventFd.create()) {
            epoll.add(quiet.fd(), 1);
            epoll.add(signalled.fd(), BIG_TOKEN);
            signalled.signal();
            long[] tokens = new long[4];
            assertThat(epoll.poll(tokens, 1_000)).isEqualTo(1);
            assertThat(tokens[0]).isEqualTo(BIG_TOKEN);
        }
    }

    @Test
    void isLevelTriggeredUntilTheFdIsDrained() {
        try (Epoll epoll = Epoll.create(); EventFd eventFd = EventFd.create()) {
            epoll.add(eventFd.fd(), 5);
            eventFd.signal();
            long[] tokens = new long[1];
            assertThat(epoll.poll(tokens, 0)).isEqualTo(1);
            assertThat(epoll.poll(tokens, 0)).isEqualTo(1);
            eventFd.drain();
            assertThat(epoll.poll(tokens, 0)).isZero();
        }
    }

    @Test
    void returnsNoMoreTokensThanTheArrayHolds() {
        try (Epoll epoll = Epoll.create(); EventFd first = EventFd.create(); EventFd second = EventFd.create()) {
            epoll.add(first.fd(), 1);
            epoll.add(second.fd(), 2);
            first.signal();
            second.signal();
            long[] one = new long[1];
            assertThat(epoll.poll(one, 0)).isEqualTo(1);
            long[] both = new long[2];
            assertThat(epoll.poll(both, 0)).isEqualTo(2);
            assertThat(both).containsExactlyInAnyOrder(1L, 2L);
        }
    }

    @Test
    void timesOutWithNothingReadyAndForgetsRemovedFds() {
        try (Epoll epoll = Epoll.create(); EventFd eventFd = EventFd.create()) {
            long[] tokens = new long[1];
            assertThat(epoll.poll(tokens, 10)).isZero();
            epoll.add(eventFd.fd(), 3);
            epoll.remove(eventFd.fd());
            eventFd.signal();
            assertThat(epoll.poll(tokens, 10)).isZero();
        }
    }

    @Test
    void closeReleasesItsFdOnceAndLaterUseFails() {
        long before = OpenFds.anonymous();
        Epoll epoll = Epoll.create();
        assertThat(OpenFds.anonymous()).isEqualTo(before + 1);
        epoll.close();
        epoll.close();
        assertThat(OpenFds.anonymous()).isEqualTo(before);
        assertThatThrownBy(() -> epoll.poll(new long[1], 0)).isInstanceOf(KvmException.class)
                .hasMessage("epoll is closed");
    }
}
