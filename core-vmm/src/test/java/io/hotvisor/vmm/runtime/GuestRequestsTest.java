package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.runtime.GuestRequests.Kind;
import io.hotvisor.vmm.runtime.GuestRequests.Request;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Audit row 7: guest request loops cost one pending request and one thread, and no thread is no crash. */
class GuestRequestsTest {
    private final List<Request> handled = new CopyOnWriteArrayList<>();
    private final AtomicInteger threadsMade = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(2);

    private GuestRequests requests(boolean failFirstThread) {
        return new GuestRequests("test", request -> {
            handled.add(request);
            awaitRelease();
            done.countDown();
        }, task -> {
            if (threadsMade.incrementAndGet() == 1 && failFirstThread) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            return new Thread(task, "test-requests");
        });
    }

    private void awaitRelease() {
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void row7ResetLoopCostsOneThreadAndOnePendingRequest() throws InterruptedException {
        GuestRequests requests = requests(false);
        int news = 0;
        for (int i = 0; i < 100_000; i++) {
            news += requests.submit(new Request(Kind.RESET, "i8042 reset", 1)) ? 1 : 0;
        }
        release.countDown();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(threadsMade).hasValue(1);
        // The first request, and the one that all the later writes merged into while it ran.
        assertThat(handled).hasSizeLessThanOrEqualTo(2);
        assertThat(news).isLessThanOrEqualTo(2);
    }

    @Test
    void row7ThreadCreationFailureLeavesTheRequestPending() throws InterruptedException {
        GuestRequests requests = requests(true);
        release.countDown();

        assertThat(requests.submit(new Request(Kind.FAILURE, "vcpu-test-0 failed", 1))).isTrue();
        assertThat(handled).isEmpty();
        requests.submit(new Request(Kind.RESET, "i8042 reset", 1));
        assertThat(done.await(1, TimeUnit.SECONDS)).isFalse();

        assertThat(handled).containsExactly(new Request(Kind.FAILURE, "vcpu-test-0 failed", 1));
        assertThat(threadsMade).hasValue(2);
    }

    @Test
    void theLaterBootThenTheGraverRequestIsKept() {
        Request reset1 = new Request(Kind.RESET, "reset", 1);
        Request failure1 = new Request(Kind.FAILURE, "failed", 1);
        Request reset2 = new Request(Kind.RESET, "reset", 2);

        assertThat(failure1.supersedes(reset1)).isTrue();
        assertThat(reset1.supersedes(failure1)).isFalse();
        assertThat(reset2.supersedes(failure1)).isTrue();
        assertThat(failure1.supersedes(reset2)).isFalse();
    }
}
