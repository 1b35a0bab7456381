package io.hotvisor.vmm.runtime;

import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's guest requests (reset, poweroff, failure), carried out one at a time on one worker thread,
 * since they tear down the vCPU that asked. A request that arrives while another is pending merges
 * into it (the later boot's, else the graver one, is kept): a guest that writes reset in a loop
 * costs one pending request and at most one thread.
 */
final class GuestRequests {
    /** Ordered by gravity. */
    enum Kind { RESET, SHUTDOWN, FAILURE }

    /** A request from boot {@code boot} of the VM (a later boot ignores it). */
    record Request(Kind kind, String why, int boot) {
        boolean supersedes(Request other) {
            return boot > other.boot || (boot == other.boot && kind.compareTo(other.kind) > 0);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(GuestRequests.class);

    private final String vmName;
    private final Consumer<Request> handler;
    private final ThreadFactory threads;
    private Request pending;
    private boolean working;

    GuestRequests(String vmName, Consumer<Request> handler, ThreadFactory threads) {
        this.vmName = vmName;
        this.handler = handler;
        this.threads = threads;
    }

    /**
     * Queues a request for the worker, starting it if none runs. Returns whether the request is
     * news (not merged into a pending one), so that a request loop logs once. Never throws: a
     * thread that cannot be created (an Error) leaves the request pending for the next one.
     */
    synchronized boolean submit(Request request) {
        boolean news = pending == null;
        if (news || request.supersedes(pending)) {
            pending = request;
        }
        if (!working) {
            try {
                threads.newThread(this::work).start();
                working = true;
            } catch (RuntimeException | Error e) {
                LOG.error("VM {}: no thread for the guest's {} request ({}); it stays pending until the next one",
                        vmName, pending.kind(), e.toString());
            }
        }
        return news;
    }

    private void work() {
        while (true) {
            Request next;
            synchronized (this) {
                next = pending;
                pending = null;
                if (next == null) {
                    working = false;
                    return;
                }
            }
            try {
                handler.accept(next);
            } catch (RuntimeException | Error e) {
                LOG.error("VM {}: the guest's {} request failed", vmName, next.kind(), e);
            }
        }
    }
}
