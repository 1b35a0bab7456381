package io.hotvisor.qmp.server;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.VmException;
import java.time.Duration;
import java.util.Map;

/**
 * What one VM's QMP server allows each client, so that no local user can take the container's
 * heap or every slot: bytes of output queued for a client that does not read, time to send
 * {@code qmp_capabilities}, and clients per listener (UNIX and TCP apart, so that TCP clients
 * cannot lock out the socket's owner). Set per VM by its options ({@code qmp.*}).
 *
 * @param outputBytes        queued output (answers and events not yet sent) over which a client
 *                           is disconnected, so also the largest answer (an {@code id} is echoed)
 * @param negotiationTimeout a client that has not negotiated by then is disconnected
 * @param unixClients        clients at once on the UNIX socket
 * @param tcpClients         clients at once on the TCP port
 */
public record QmpLimits(long outputBytes, Duration negotiationTimeout, int unixClients, int tcpClients) {
    public static final String OUTPUT_OPTION = "qmp.output-limit";
    public static final String NEGOTIATION_OPTION = "qmp.negotiation-timeout";
    public static final String UNIX_CLIENTS_OPTION = "qmp.unix-clients";
    public static final String TCP_CLIENTS_OPTION = "qmp.tcp-clients";
    public static final QmpLimits DEFAULTS = new QmpLimits(1 << 20, Duration.ofSeconds(10), 16, 16);

    public QmpLimits {
        if (outputBytes <= 0 || negotiationTimeout.isNegative() || negotiationTimeout.isZero()
                || unixClients <= 0 || tcpClients <= 0) {
            throw new IllegalArgumentException("QMP limits must be positive: " + outputBytes + ", "
                    + negotiationTimeout + ", " + unixClients + ", " + tcpClients);
        }
    }

    /**
     * The limits a VM's options set: {@code qmp.output-limit} (a size, e.g. 1M),
     * {@code qmp.negotiation-timeout} (seconds), {@code qmp.unix-clients}, {@code qmp.tcp-clients};
     * the defaults for those absent.
     *
     * @throws VmException naming the option whose value is not valid
     */
    public static QmpLimits of(Map<String, String> options) {
        return new QmpLimits(
                size(options, OUTPUT_OPTION, DEFAULTS.outputBytes),
                Duration.ofSeconds(number(options, NEGOTIATION_OPTION, DEFAULTS.negotiationTimeout.toSeconds())),
                (int) number(options, UNIX_CLIENTS_OPTION, DEFAULTS.unixClients),
                (int) number(options, TCP_CLIENTS_OPTION, DEFAULTS.tcpClients));
    }

    private static long size(Map<String, String> options, String option, long otherwise) {
        String value = options.get(option);
        if (value == null) {
            return otherwise;
        }
        long bytes;
        try {
            bytes = MemorySize.parse(value);
        } catch (VmException e) {
            throw new VmException("option " + option + "=" + value + " is not a size (e.g. 1M)");
        }
        return positive(option, bytes);
    }

    private static long number(Map<String, String> options, String option, long otherwise) {
        String value = options.get(option);
        if (value == null) {
            return otherwise;
        }
        try {
            return positive(option, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            throw new VmException("option " + option + "=" + value + " is not a number");
        }
    }

    private static long positive(String option, long value) {
        if (value <= 0) {
            throw new VmException("option " + option + " must be positive, not " + value);
        }
        return value;
    }
}
