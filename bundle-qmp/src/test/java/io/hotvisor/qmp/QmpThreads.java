package io.hotvisor.qmp;

import java.time.Duration;
import java.util.List;

/** The QMP server's threads (all named qmp-*), for leak checks. */
final class QmpThreads {
    private QmpThreads() {
    }

    static List<String> alive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("qmp-"))
                .sorted()
                .toList();
    }

    /** Waits a little for threads that are finishing (a client thread ends after its socket closes). */
    static List<String> aliveAfter(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        List<String> alive = alive();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            alive = alive();
        }
        return alive;
    }
}
