package io.hotvisor.qmp.hmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.FakePciBus;
import io.hotvisor.qmp.command.PciFunction;
import org.junit.jupiter.api.Test;

class HmpInfoPciTest {
    @Test
    void infoPciPrintsEachFunctionAsQemuDoes() {
        assertThat(HmpCommands.infoPci(PciFunction.of(FakePciBus.sample()))).isEqualTo(""
                + "  Bus  0, device   0, function 0:\r\n"
                + "    Host bridge: PCI device 1b36:0008\r\n"
                + "      PCI subsystem 1af4:1100\r\n"
                + "      id \"\"\r\n"
                + "  Bus  0, device   3, function 0:\r\n"
                + "    SCSI controller: PCI device 1af4:1042\r\n"
                + "      PCI subsystem 1af4:1100\r\n"
                + "      IRQ 19, pin A\r\n"
                + "      BAR0: 32 bit memory at 0xc0000000 [0xc0007fff].\r\n"
                + "      id \"disk0\"\r\n"
                + "  Bus  0, device   5, function 0:\r\n"
                + "    Class 0255: PCI device 1af4:1044\r\n"
                + "      PCI subsystem 0000:0000\r\n"
                + "      BAR0: I/O at 0xc000 [0xc01f].\r\n"
                + "      BAR2: 64 bit prefetchable memory at 0xffffffffffffffff [0x00003ffe].\r\n"
                + "      id \"odd0\"\r\n");
    }
}
