package io.hotvisor.qmp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** QMP limits from a VM's options. */
class QmpLimitsTest {
    @Test
    void defaultsWithoutOptions() {
        assertThat(QmpLimits.of(Map.of())).isEqualTo(new QmpLimits(1 << 20, Duration.ofSeconds(10), 16, 16));
    }

    @Test
    void optionsSetEachLimit() {
        assertThat(QmpLimits.of(Map.of(QmpLimits.OUTPUT_OPTION, "64K", QmpLimits.NEGOTIATION_OPTION, "3",
                QmpLimits.UNIX_CLIENTS_OPTION, "4", QmpLimits.TCP_CLIENTS_OPTION, "2")))
                .isEqualTo(new QmpLimits(64 * 1024, Duration.ofSeconds(3), 4, 2));
    }

    @Test
    void aBadValueNamesItsOption() {
        assertThatThrownBy(() -> QmpLimits.of(Map.of(QmpLimits.OUTPUT_OPTION, "lots"))).isInstanceOf(VmException.class)
                .hasMessage("option qmp.output-limit=lots is not a size (e.g. 1M)");
        assertThatThrownBy(() -> QmpLimits.of(Map.of(QmpLimits.TCP_CLIENTS_OPTION, "0")))
                .hasMessage("option qmp.tcp-clients must be positive, not 0");
        assertThatThrownBy(() -> QmpLimits.of(Map.of(QmpLimits.UNIX_CLIENTS_OPTION, "x")))
                .hasMessage("option qmp.unix-clients=x is not a number");
    }
}
