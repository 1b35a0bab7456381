package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.CountingEntropy;
import io.hotvisor.vmm.testing.KvmTest;
import io.hotvisor.vmm.testing.TestImages;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The probe guest finds bus 0 through the MCFG's ECAM, as Linux does, sizes each device's BARs, and
 * drives a virtio device through the core's transport.
 */
@KvmTest
class PciProbeTest extends VmManagerFixture {
    /** Ids and BARs only: enumeration never touches a BAR's contents. */
    private static final class SampleDevice implements PciDevice {
        private final PciConfiguration configuration = new PciConfiguration(0x1af4, 0x10f0, 0xff0000, 0)
                .bar(PciBar.memory32(0, 0x1000))
                .bar(PciBar.io(1, 0x20))
                .bar(PciBar.memory64(2, 0x4000, true));

        @Override
        public PciConfiguration configuration() {
            return configuration;
        }

        @Override
        public void readBar(int bar, long offset, byte[] data) {
        }

        @Override
        public void writeBar(int bar, long offset, byte[] data) {
        }
    }

    /** The probe's driver: negotiation, queue set-up, a kick through the ioeventfd, the answer by MSI-X. */
    @Test
    void aVirtioEntropyDeviceAnswersTheProbeThroughItsQueueWithAnMsixInterrupt() {
        manager.addListener(new VmListener() {
            @Override
            public void machineBuilt(Vm built) {
                built.virtio().plug("rng0", new CountingEntropy(), OptionalInt.empty());
            }
        });
        Vm vm = manager.create(new VmSpec("virtio", TestImages.probeGuest().toString(), null, "console=ttyS0", 1,
                64L << 20));
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("probe> ", BOOT);
        assertThatThrownBy(() -> vm.virtio().plug("late", new CountingEntropy(), OptionalInt.empty()))
                .hasMessage("not supported: the guest runs and its PCI bus has no hotplug controller, so it would not"
                        + " see the device");

        console.sendLine("rng");

        console.waitFor("virtio-rng: 16 bytes by msi-x vector 30: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
                BOOT);
    }

    @Test
    void busZeroHasTheHostBridgeAndEachDeviceWithItsBarSizes() {
        SampleDevice sample = new SampleDevice();
        manager.addListener(new VmListener() {
            @Override
            public void machineBuilt(Vm built) {
                built.pci().plug(sample, OptionalInt.of(3));
            }
        });
        Vm vm = manager.create(new VmSpec("pci", TestImages.probeGuest().toString(), null, "console=ttyS0", 1, 64L << 20));
        vm.start();
        ConsoleHarness console = new ConsoleHarness(vm);
        console.waitFor("acpi: mcfg base 0xe0000000 buses 0-0", BOOT);
        console.waitFor("probe> ", BOOT);
        PciConfiguration config = sample.configuration();

        console.sendLine("pci");
        console.waitFor("pci: done", BOOT);

        String output = vm.console().recentOutput(20);
        assertThat(output).contains("pci 00.0 1b36:0008 class 060000\r\npci 03.0 1af4:10f0 class ff0000\r\n",
                "pci   bar0 mem32 size 0x1000 at 0x" + Long.toHexString(config.barAddress(0)),
                "pci   bar1 io size 0x20 at 0x" + Long.toHexString(config.barAddress(1)),
                "pci   bar2 mem64 prefetchable size 0x4000 at 0x" + Long.toHexString(config.barAddress(2)));
        assertThat(config.barAddress(0)).as("restored after sizing").isBetween(0xC000_0000L, 0xDFFF_FFFFL);
    }
}
