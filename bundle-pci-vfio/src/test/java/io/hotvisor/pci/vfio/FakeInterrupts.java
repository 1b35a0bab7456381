package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.LevelIrqfd;
import io.hotvisor.vmm.api.MsiVector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** MSI vectors without KVM: GSIs from 24, each vector's eventfd numbered 1000 + GSI, calls in {@link #log}. */
final class FakeInterrupts implements Interrupts {
    final List<String> log = new CopyOnWriteArrayList<>();
    private int nextGsi = 24;

    @Override
    public synchronized MsiVector allocateMsi() {
        int gsi = nextGsi++;
        log.add("allocate " + gsi);
        EventNotifier eventFd = new EventNotifier() {
            @Override
            public void signal() {
                log.add("signal " + gsi);
            }

            @Override
            public long drain() {
                return 0;
            }

            @Override
            public int fd() {
                return 1000 + gsi;
            }
        };
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
                eventFd.signal();
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

    private static EventNotifier notifier(int fd) {
        return new EventNotifier() {
            @Override
            public void signal() {
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
        throw new UnsupportedOperationException("no KVM here");
    }
}
