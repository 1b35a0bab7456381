package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.testing.KvmTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 14, races: device_add of a PCI device while the VM resets, in random interleavings. Each
 * round the bus of the running machine holds exactly the device the device manager lists, once:
 * a plug lands wholly in one machine, before or after the reset, and the reset plugs it again
 * only if it was there.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(33)
class PciHotplugRaceTest {
    private static final int ROUNDS = 100;
    private static final Duration GUEST = Duration.ofSeconds(60);

    @Test
    void deviceAddDuringResetLeavesTheBusAndTheRegistryAgreeing(LinuxGuests.Guests guests) {
        GuestConsole console = guests.probe("pcirace", "console=ttyS0", 1, Map.of());
        Vm vm = guests.manager().get("pcirace");
        vm.start();
        console.waitFor("probe> ", GUEST);
        Random random = new Random(14);
        for (int round = 0; round < ROUNDS; round++) {
            String id = "r" + round;
            CompletableFuture<Void> add = CompletableFuture.runAsync(() -> {
                pause(random.nextInt(3));
                guests.devices().add(vm, "virtio-rng-pci", id, Map.of());
            });
            pause(random.nextInt(3));
            vm.reset();
            add.join();
            assertThat(onBus(vm)).as("round %d", round).isEqualTo(listed(guests, vm)).containsExactly(id);
            // An eject request before the rebooted guest listens is lost, as on QEMU: wait for it.
            console.waitFor("Hotvisor probe guest", GUEST);
            console.waitFor("probe> ", GUEST);
            guests.devices().remove(vm, id); // the probe guest ejects at once
            awaitEmpty(guests, vm, round);
        }
        guests.manager().destroy(vm.name());
    }

    private static List<String> onBus(Vm vm) {
        return vm.pci().slots().stream().map(PciSlot::device).map(device -> device.pluggedDeviceId())
                .flatMap(Optional::stream).sorted().collect(Collectors.toList());
    }

    private static List<String> listed(LinuxGuests.Guests guests, Vm vm) {
        return guests.devices().list(vm).stream().map(PluggedDevice::name).sorted().collect(Collectors.toList());
    }

    private static void awaitEmpty(LinuxGuests.Guests guests, Vm vm, int round) {
        long deadline = System.nanoTime() + GUEST.toNanos();
        while (!guests.devices().list(vm).isEmpty() || !onBus(vm).isEmpty()) {
            assertThat(System.nanoTime()).as("round %d: the device left within %s", round, GUEST).isLessThan(deadline);
            pause(5);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
