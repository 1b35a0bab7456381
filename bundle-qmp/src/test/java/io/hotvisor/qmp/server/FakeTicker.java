package io.hotvisor.qmp.server;

import java.time.Duration;
import java.util.PriorityQueue;

/** A {@link Ticker} whose time moves only when a test says so; due tasks run on the test's thread. */
final class FakeTicker implements Ticker {
    private record Task(long due, long order, Runnable action) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private long now = 1_000_000_000L;
    private long scheduled;
    private boolean closed;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Runnable schedule(Runnable task, long delayNanos) {
        Task scheduledTask = new Task(now + delayNanos, scheduled++, task);
        if (!closed) {
            tasks.add(scheduledTask);
        }
        return () -> {
            synchronized (this) {
                tasks.remove(scheduledTask);
            }
        };
    }

    synchronized int pending() {
        return tasks.size();
    }

    /** Moves time on by {@code by}, running each task that falls due, in order, at its time. */
    void advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        while (true) {
            Task task;
            synchronized (this) {
                if (tasks.isEmpty() || tasks.peek().due > target) {
                    now = target;
                    return;
                }
                task = tasks.poll();
                now = task.due;
            }
            task.action.run();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        tasks.clear();
    }
}
