package io.hotvisor.qmp.server;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP server's clock and timer: negotiation deadlines, event windows and log intervals. Tests
 * drive a fake one, so that nothing they check waits for real time.
 */
interface Ticker extends AutoCloseable {
    long nanoTime();

    /** Runs {@code task} once, {@code delayNanos} from now (nothing once closed); returns what cancels it. */
    Runnable schedule(Runnable task, long delayNanos);

    @Override
    void close();

    /** System time and one daemon thread, {@code threadName}, started on first use and ended by {@link #close()}. */
    static Ticker system(String threadName) {
        Logger log = LoggerFactory.getLogger(Ticker.class);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Runnable schedule(Runnable task, long delayNanos) {
                try {
                    ScheduledFuture<?> scheduled = timer.schedule(() -> {
                        try {
                            task.run();
                        } catch (RuntimeException e) {
                            log.warn("{}: a timed task failed", threadName, e);
                        }
                    }, delayNanos, TimeUnit.NANOSECONDS);
                    return () -> scheduled.cancel(false);
                } catch (RejectedExecutionException closing) {
                    return () -> { }; // the server is closing: its clients and events are going away too
                }
            }

            @Override
            public void close() {
                timer.shutdownNow();
                try {
                    timer.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }
}
