package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioRngTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final QueueDriver driver = new QueueDriver(8);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private VirtioRng rng(long maxBytes, long periodMillis) {
        byte[] source = new byte[4096];
        for (int i = 0; i < source.length; i++) {
            source[i] = (byte) i;
        }
        VirtioRng rng = new VirtioRng(Channels.newChannel(new ByteArrayInputStream(source)), maxBytes, periodMillis,
                timer, System::nanoTime);
        rng.activate(driver);
        return rng;
    }

    @Test
    void buffersAreFilledFromTheSource() {
        VirtioRng rng = rng(1 << 20, 1000);
        long buffer = driver.buffer(new byte[0], 16);
        driver.submit(new long[] {buffer, 16, 1});

        rng.queueNotified(0);

        assertThat(driver.read(buffer, 4)).containsExactly(0, 1, 2, 3);
        assertThat(driver.used()).extracting(entry -> entry[1]).containsExactly(16);
        assertThat(driver.interrupts).containsExactly("queue 0");
    }

    @Test
    void pastTheBudgetRequestsWaitForTheNextPeriod() throws InterruptedException {
        VirtioRng rng = rng(8, 100);
        driver.submit(new long[] {driver.buffer(new byte[0], 8), 8, 1});
        driver.submit(new long[] {driver.buffer(new byte[0], 8), 8, 1});

        rng.queueNotified(0);
        assertThat(driver.used()).as("the budget covers one request").hasSize(1);

        List<int[]> later = List.of();
        for (int i = 0; i < 100 && later.isEmpty(); i++) {
            Thread.sleep(20);
            later = driver.used();
        }
        assertThat(later).as("served in the next period").hasSize(1);
    }
}
