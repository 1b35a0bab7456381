package io.hotvisor.qmp.server;

import org.slf4j.Logger;

/**
 * A WARN that anyone who can connect may repeat at will (a refused connection): logged at most
 * once per interval, the next line saying how many were left out meanwhile.
 */
final class RateLimitedWarning {
    private final Logger log;
    private final Ticker ticker;
    private final long intervalNanos;
    private boolean logged;
    private long lastNanos;
    private long suppressed;

    RateLimitedWarning(Logger log, Ticker ticker, long intervalNanos) {
        this.log = log;
        this.ticker = ticker;
        this.intervalNanos = intervalNanos;
    }

    /** Logs {@code message} unless a line was logged less than an interval ago; true if logged. */
    synchronized boolean warn(String message) {
        long now = ticker.nanoTime();
        if (logged && now - lastNanos < intervalNanos) {
            suppressed++;
            return false;
        }
        if (suppressed == 0) {
            log.warn(message);
        } else {
            log.warn("{} ({} more like it since the last report)", message, suppressed);
        }
        logged = true;
        lastNanos = now;
        suppressed = 0;
        return true;
    }
}
