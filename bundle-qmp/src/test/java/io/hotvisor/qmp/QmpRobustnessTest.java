package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.ConsoleHarness;
import io.hotvisor.vmm.testing.KvmTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 random, mutated and truncated messages (fixed seed) on one VM's socket. After each one
 * the client sends 0xFF, which puts QEMU's (and our) lexer back into a known state, and a
 * query-status with a numbered id; the server must answer it or close the connection. Every
 * line it sends must be a JSON object. The VM runs on and a new client works.
 */
@KvmTest
class QmpRobustnessTest {
    private static final int MESSAGES = 10_000;
    private static final long SEED = 0x5EED_2026_1123L;
    private static final Duration GUEST = Duration.ofSeconds(30);
    private static final List<String> CORPUS = List.of(
            "{\"execute\":\"query-status\"}",
            "{\"execute\":\"query-version\",\"id\":\"v\"}",
            "{\"execute\":\"query-commands\"}",
            "{\"execute\":\"query-name\"}",
            "{\"execute\":\"query-cpus-fast\",\"id\":[1,{\"a\":null}]}",
            "{\"execute\":\"query-hotpluggable-cpus\"}",
            "{\"execute\":\"query-acpi-ospm-status\"}",
            "{\"execute\":\"query-balloon\"}",
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}",
            "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info cpus\"}}",
            "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info pci\"}}",
            "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"nope\"}}",
            "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-rng-pci\",\"id\":\"r1\",\"bus\":\"pcie.0\"}}",
            "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"props\":{\"size\":1024}}}",
            "{'execute':'query-kvm','id':'\\u00e9\\n'}");
    private static final List<String> NAMES = List.of("query-status", "query-name", "device_del", "device_add",
            "object-add", "cpu-add", "human-monitor-command", "qmp_capabilities", "query-cpus-fast", "no-such-command",
            "balloon", "object-del");
    private static final String JSONISH = "{}[]:,\"'\\ abcdefnrtu0123456789.-+eE\n\t\r";

    @TempDir
    Path data;

    @Test
    void tenThousandBadMessages() throws Exception {
        Random random = new Random(SEED);
        try (QmpFixture fixture = new QmpFixture(data)) {
            Vm vm = fixture.probe("fuzz");
            vm.start();
            ConsoleHarness console = new ConsoleHarness(vm);
            console.waitFor("probe> ", GUEST);
            Path socket = fixture.socket("fuzz");

            QmpTestClient client = QmpTestClient.negotiated(socket);
            int closes = 0;
            long lines = 0;
            for (int i = 0; i < MESSAGES; i++) {
                byte[] message = message(random, i);
                String sync = "sync-" + i;
                try {
                    client.send(message);
                    ByteArrayOutputStream tail = new ByteArrayOutputStream();
                    tail.write(0xFF);
                    tail.write(("{\"execute\":\"query-status\",\"id\":\"" + sync + "\"}\r\n").getBytes(StandardCharsets.UTF_8));
                    client.send(tail.toByteArray());
                } catch (IOException closed) {
                    // the server closed while we wrote: a new connection, as a client would
                }
                String line;
                boolean answered = false;
                while ((line = client.poll(QmpTestClient.TIMEOUT)) != null && !QmpTestClient.isEof(line)) {
                    lines++;
                    JsonElement json = JsonParser.parseString(line);
                    assertThat(json.isJsonObject()).as("line %d of message %d: %s", lines, i, line).isTrue();
                    assertThat(json.getAsJsonObject().has("return") || json.getAsJsonObject().has("error")
                            || json.getAsJsonObject().has("event")).as(line).isTrue();
                    if (line.contains("\"id\": \"" + sync + "\"")) {
                        assertThat(line).contains("\"status\": \"running\"");
                        answered = true;
                        break;
                    }
                }
                assertThat(line).as("message %d (%s): an answer or a closed connection within %s", i,
                        printable(message), QmpTestClient.TIMEOUT).isNotNull();
                if (!answered) {
                    closes++;
                    client.close();
                    client = QmpTestClient.negotiated(socket);
                }
            }
            client.close();
            System.out.printf("QMP robustness: %d messages, %d answer lines, %d connections closed by the server%n",
                    MESSAGES, lines, closes);

            assertThat(vm.state()).isEqualTo(VmState.RUNNING);
            console.sendLine("still alive");
            console.waitFor("you typed: still alive", GUEST);
            try (QmpTestClient fresh = QmpTestClient.negotiated(socket)) {
                assertThat(fresh.command("{\"execute\":\"query-status\"}")).isEqualTo(
                        "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}");
            }
        }
        assertThat(QmpThreads.aliveAfter(Duration.ofSeconds(2))).isEmpty();
    }

    private static byte[] message(Random random, int i) {
        String valid = CORPUS.get(random.nextInt(CORPUS.size()));
        byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
        switch (i % 7) {
            case 0: { // truncated
                return java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            case 1: { // a few bytes changed
                byte[] copy = bytes.clone();
                for (int k = 1 + random.nextInt(5); k > 0; k--) {
                    copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
                }
                return copy;
            }
            case 2: { // random bytes
                byte[] noise = new byte[1 + random.nextInt(200)];
                random.nextBytes(noise);
                return noise;
            }
            case 3: { // JSON-ish characters
                StringBuilder s = new StringBuilder();
                for (int k = random.nextInt(300); k >= 0; k--) {
                    s.append(JSONISH.charAt(random.nextInt(JSONISH.length())));
                }
                return s.toString().getBytes(StandardCharsets.UTF_8);
            }
            case 4: { // deep nesting, past the limit half of the time
                String open = random.nextBoolean() ? "[" : "{\"a\":";
                return open.repeat(1 + random.nextInt(2048)).getBytes(StandardCharsets.UTF_8);
            }
            case 5: { // a valid command cut and spliced with another
                String other = CORPUS.get(random.nextInt(CORPUS.size()));
                String spliced = valid.substring(0, random.nextInt(valid.length())) + other.substring(random.nextInt(other.length()));
                return spliced.getBytes(StandardCharsets.UTF_8);
            }
            default: { // well-formed JSON, random command names and arguments
                return randomRequest(random).getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static String randomRequest(Random random) {
        StringBuilder s = new StringBuilder("{\"execute\":\"").append(NAMES.get(random.nextInt(NAMES.size()))).append('"');
        if (random.nextBoolean()) {
            s.append(",\"arguments\":").append(randomValue(random, 0, true));
        }
        if (random.nextBoolean()) {
            s.append(",\"id\":").append(randomValue(random, 0, false));
        }
        if (random.nextInt(10) == 0) {
            s.append(",\"junk\":1");
        }
        return s.append('}').toString();
    }

    private static String randomValue(Random random, int depth, boolean object) {
        int kind = object ? 0 : random.nextInt(depth > 3 ? 4 : 6);
        switch (kind) {
            case 0: {
                StringBuilder s = new StringBuilder("{");
                String[] keys = {"id", "driver", "core-id", "command-line", "qom-type", "value", "enable", "x"};
                for (int k = random.nextInt(4); k > 0; k--) {
                    s.append('"').append(keys[random.nextInt(keys.length)]).append(k).append("\":")
                            .append(randomValue(random, depth + 1, false)).append(k > 1 ? "," : "");
                }
                return s.append('}').toString();
            }
            case 1:
                return Integer.toString(random.nextInt());
            case 2:
                return "\"" + Long.toHexString(random.nextLong()) + "\"";
            case 3:
                return random.nextBoolean() ? "true" : "null";
            case 4:
                return "[" + randomValue(random, depth + 1, false) + "," + randomValue(random, depth + 1, false) + "]";
            default:
                return randomValue(random, depth + 1, true);
        }
    }

    private static String printable(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
