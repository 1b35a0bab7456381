package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketEndTest {
    @TempDir
    Path dir;

    @Test
    void aClientTalksBothWaysThroughAPrivateSocketThatCloseRemoves() throws Exception {
        Path path = dir.resolve("port.sock");
        UnixSocketEnd end = new UnixSocketEnd(path);
        BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
        BlockingQueue<Boolean> opens = new ArrayBlockingQueue<>(10);
        end.start(bytes -> received.add(new String(bytes, StandardCharsets.UTF_8)), opens::add);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");

        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(path));
            assertThat(opens.poll(10, TimeUnit.SECONDS)).isTrue();
            client.write(ByteBuffer.wrap("from host".getBytes(StandardCharsets.UTF_8)));
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("from host");

            end.send("from guest".getBytes(StandardCharsets.UTF_8));
            ByteBuffer reply = ByteBuffer.allocate(64);
            client.read(reply);
            assertThat(new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8)).isEqualTo("from guest");
        }
        assertThat(opens.poll(10, TimeUnit.SECONDS)).isFalse();

        end.close();
        assertThat(path).doesNotExist();
    }

    @Test
    void anOverlongPathIsRefused() {
        assertThatThrownBy(() -> new UnixSocketEnd(dir.resolve("x".repeat(120) + ".sock")))
                .hasMessageContaining("longer than 107 bytes");
    }
}
