package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.LevelIrqfd;
import io.hotvisor.vmm.api.MsiVector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@link Interrupts} without KVM: GSIs from 24 up, and every allocate, route, trigger and close in
 * {@link #log}. Their eventfds are stand-ins numbered for the log: a vector's is 1000 + its GSI,
 * a level irqfd's trigger 2000 + GSI and its resample 3000 + GSI.
 */
public final class RecordingInterrupts implements Interrupts {
    public final List<String> log = new CopyOnWriteArrayList<>();
    private int nextGsi = 24;

    @Override
    public synchronized MsiVector allocateMsi() {
        int gsi = nextGsi++;
        log.add("allocate " + gsi);
        EventNotifier eventFd = notifier(1000 + gsi);
        return new MsiVector() {
            @Override
            public int gsi() {
                return gsi;
            }

            @Override
            public void route(long address, int data) {
                log.add(String.format("route %d 0x%x/0x%x", gsi, address, data));
            }

            @Override
            public void unroute() {
                log.add("unroute " + gsi);
            }

            @Override
            public void trigger() {
                log.add("trigger " + gsi);
            }

            @Override
            public EventNotifier eventFd() {
                return eventFd;
            }

            @Override
            public void close() {
                log.add("close " + gsi);
            }
        };
    }

    @Override
    public LevelIrqfd levelIrqfd(int gsi) {
        log.add("level irqfd " + gsi);
        return new LevelIrqfd() {
            @Override
            public int gsi() {
                return gsi;
            }

            @Override
            public EventNotifier trigger() {
                return notifier(2000 + gsi);
            }

            @Override
            public EventNotifier resample() {
                return notifier(3000 + gsi);
            }

            @Override
            public void close() {
                log.add("level irqfd " + gsi + " closed");
            }
        };
    }

    /** An eventfd stand-in that only has a number; signalling it is logged. */
    private EventNotifier notifier(int fd) {
        return new EventNotifier() {
            @Override
            public void signal() {
                log.add("signal " + fd);
            }

            @Override
            public long drain() {
                return 0;
            }

            @Override
            public int fd() {
                return fd;
            }
        };
    }

    @Override
    public boolean signalMsi(long address, int data) {
        throw new UnsupportedOperationException();
    }

    /** Allocations less closes, from the log. */
    @Override
    public int allocatedMsiVectors() {
        return (int) (log.stream().filter(entry -> entry.startsWith("allocate ")).count()
                - log.stream().filter(entry -> entry.startsWith("close ")).count());
    }
}
