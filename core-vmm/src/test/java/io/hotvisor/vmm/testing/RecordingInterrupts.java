package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.MsiVector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link Interrupts} without KVM: GSIs from 24 up, and every allocate, route, trigger and close in {@link #log}. */
public final class RecordingInterrupts implements Interrupts {
    public final List<String> log = new CopyOnWriteArrayList<>();
    private int nextGsi = 24;

    @Override
    public synchronized MsiVector allocateMsi() {
        int gsi = nextGsi++;
        log.add("allocate " + gsi);
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
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
                log.add("close " + gsi);
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
