package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.net.Tap.Offload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real TAP, where the host lets this process make one (CAP_NET_ADMIN): it lives only while
 * open, so nothing is left behind. Skipped elsewhere.
 */
class TapFdTest {
    private static TapFd openOrSkip() {
        assumeTrue(Files.isReadable(Path.of("/dev/net/tun")), "no /dev/net/tun");
        try {
            return TapFd.open("hvtest" + ProcessHandle.current().pid() % 100_000, 12);
        } catch (VmException e) {
            return Assumptions.abort("cannot make a TAP here: " + e.getMessage());
        }
    }

    @Test
    void aTapAcceptsChecksumAndSegmentationOffloadsAndTurnsThemOnAndOff() {
        try (TapFd tap = openOrSkip()) {
            assertThat(tap.supportedOffloads()).isEqualTo(EnumSet.allOf(Offload.class));

            tap.setOffloads(EnumSet.of(Offload.CHECKSUM, Offload.TSO4));
            tap.setOffloads(Set.of());
        }
    }

    @Test
    void segmentationWithoutChecksumsIsRefusedByTheKernel() {
        try (TapFd tap = openOrSkip()) {
            assertThatThrownBy(() -> tap.setOffloads(EnumSet.of(Offload.TSO4))).isInstanceOf(VmException.class)
                    .hasMessageContaining("TUNSETOFFLOAD");
        }
    }
}
