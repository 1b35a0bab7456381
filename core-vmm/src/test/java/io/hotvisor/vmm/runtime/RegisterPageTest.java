package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.MmioDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The page a capability's handler sits behind, and what it does while the capability is updated. */
class RegisterPageTest {
    /** A handler that counts writes, slowly enough that a write is often in flight. */
    private static final class Counter implements MmioDevice {
        private volatile int writes;

        @Override
        public void read(long offset, byte[] data) {
        }

        @Override
        public synchronized void write(long offset, byte[] data) {
            int before = writes;
            if (ThreadLocalRandom.current().nextBoolean()) {
                Thread.yield();
            }
            writes = before + 1;
        }
    }

    /**
     * Audit row 16: the state a capability saves once its page holds must include every guest
     * write its handler took; vCPU threads write all the while, and later writes go to the
     * successor.
     */
    @Test
    void holdWaitsForHandlerCallsInFlightSoTheSavedStateMissesNoWrite() throws InterruptedException {
        for (int round = 0; round < 200; round++) {
            RegisterPage page = new RegisterPage("test");
            Counter old = new Counter();
            Counter successor = new Counter();
            page.attach(old);
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> vcpus = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Thread vcpu = new Thread(() -> {
                    while (running.get()) {
                        page.write(0, new byte[4]);
                    }
                });
                vcpu.start();
                vcpus.add(vcpu);
            }
            Thread.sleep(ThreadLocalRandom.current().nextInt(2));

            page.hold();
            int saved = old.writes;
            page.attach(successor);

            running.set(false);
            for (Thread vcpu : vcpus) {
                vcpu.join();
            }
            assertThat(old.writes).as("round %d", round).isEqualTo(saved);
        }
    }

    @Test
    void holdGivesUpOnAHandlerCallThatDoesNotReturn() throws InterruptedException {
        RegisterPage page = new RegisterPage("test");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        page.attach(new MmioDevice() {
            @Override
            public void read(long offset, byte[] data) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void write(long offset, byte[] data) {
            }
        });
        Thread vcpu = new Thread(() -> page.read(0, new byte[4]));
        vcpu.start();
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        page.hold();
        long waited = System.nanoTime() - start;

        assertThat(waited).isBetween(RegisterPage.HOLD_NANOS, RegisterPage.HOLD_NANOS + TimeUnit.SECONDS.toNanos(5));
        release.countDown();
        vcpu.join();
    }
}
