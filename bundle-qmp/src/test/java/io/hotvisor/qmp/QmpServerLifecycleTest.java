package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.server.SocketPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where sockets go, who may use them, and that closing leaves nothing behind. A defined VM that
 * was never started answers QMP too (status prelaunch), so none of this needs KVM.
 */
class QmpServerLifecycleTest {
    @TempDir
    Path data;

    @Test
    void socketIsInTheVmDirectoryWithMode0600() throws Exception {
        try (QmpFixture fixture = new QmpFixture(data)) {
            fixture.probe("modes");
            Path socket = fixture.socket("modes");
            assertThat(socket).isEqualTo(data.resolve("modes/qmp.sock").toAbsolutePath());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            try (QmpTestClient client = QmpTestClient.negotiated(socket)) {
                assertThat(client.command("{\"execute\": \"query-status\"}")).isEqualTo(
                        "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}}");
            }
        }
    }

    @Test
    void aPathTooLongForASocketFallsBackToAShortDirectory() throws Exception {
        Path deep = data;
        while (deep.toString().length() < 120) {
            deep = deep.resolve("a-rather-long-directory-name");
        }
        String name = "long-" + UUID.randomUUID().toString().substring(0, 8);
        try (QmpFixture fixture = new QmpFixture(data, deep)) {
            fixture.probe(name);
            Path socket = fixture.socket(name);
            assertThat(SocketPaths.fits(deep.resolve(name).resolve("qmp.sock"))).isFalse();
            assertThat(socket.getFileName().toString()).isEqualTo(name + ".sock");
            assertThat(socket.getParent().getFileName().toString()).startsWith("hotvisor-");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            try (QmpTestClient client = QmpTestClient.negotiated(socket)) {
                assertThat(client.command("{\"execute\": \"query-name\"}")).isEqualTo("{\"return\": {\"name\": \"" + name + "\"}}");
            }
            fixture.manager.destroy(name);
            assertThat(socket).doesNotExist();
        }
    }

    @Test
    void aSocketPathThatCannotBeBoundFallsBackToAShortDirectory() throws Exception {
        String name = "unbound-" + UUID.randomUUID().toString().substring(0, 8);
        Path qmpData = Files.createDirectories(data.resolve("qmp"));
        // A regular file where the VM's directory would be: no socket can be made at the preferred
        // path, as on a data directory on 9p/virtfs, where bind() fails with ENXIO.
        Files.writeString(qmpData.resolve(name), "not a directory");
        Path preferred = SocketPaths.preferred(qmpData.resolve(name));
        Path fallback = SocketPaths.fallback(name);
        try (QmpFixture fixture = new QmpFixture(data, qmpData)) {
            fixture.probe(name);
            assertThat(SocketPaths.fits(preferred)).isTrue();
            assertThat(fixture.socket(name)).isEqualTo(fallback);
            try (QmpTestClient client = QmpTestClient.unix(fallback)) {
                assertThat(client.line()).startsWith("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}");
            }
            fixture.manager.destroy(name);
            assertThat(fallback).doesNotExist();
        } finally {
            Files.deleteIfExists(fallback);
        }
    }

    @Test
    void tcpOnLoopbackWhenTheVmAsksForIt() throws Exception {
        try (QmpFixture fixture = new QmpFixture(data)) {
            fixture.probe("tcp", 1, 1, Map.of(QmpService.TCP_OPTION, "0"));
            int port = fixture.qmp.server("tcp").orElseThrow().tcpPort();
            assertThat(port).isPositive();
            try (QmpTestClient client = QmpTestClient.tcp(port)) {
                assertThat(client.line()).startsWith("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}");
                assertThat(client.command("{\"execute\": \"qmp_capabilities\", \"id\": 1}")).isEqualTo("{\"return\": {}, \"id\": 1}");
            }
        }
    }

    @Test
    void destroyingTheVmOrClosingTheServiceLeavesNoThreadsOrSockets() throws Exception {
        Path first;
        try (QmpFixture fixture = new QmpFixture(data)) {
            fixture.probe("gone");
            fixture.probe("kept", 1, 1, Map.of(QmpService.TCP_OPTION, "0"));
            first = fixture.socket("gone");
            QmpTestClient a = QmpTestClient.negotiated(first);
            QmpTestClient b = QmpTestClient.unix(fixture.socket("kept"));
            QmpTestClient c = QmpTestClient.negotiated(fixture.socket("kept"));
            assertThat(QmpThreads.alive()).contains("qmp-gone-accept", "qmp-kept-accept", "qmp-kept-tcp-accept",
                    "qmp-gone-1", "qmp-gone-1-out");
            fixture.manager.destroy("gone");
            assertThat(a.closedByServer(Duration.ofSeconds(5))).isTrue();
            assertThat(first).doesNotExist();
            assertThat(QmpThreads.alive()).noneMatch(name -> name.startsWith("qmp-gone"));
            fixture.qmp.close();
            assertThat(b.closedByServer(Duration.ofSeconds(5))).isTrue();
            assertThat(c.closedByServer(Duration.ofSeconds(5))).isTrue();
            a.close();
            b.close();
            c.close();
        }
        assertThat(QmpThreads.aliveAfter(Duration.ofSeconds(2))).isEmpty();
        assertThat(data.resolve("kept/qmp.sock")).doesNotExist();
    }

    @Test
    void qmpExecRunsOneNegotiatedCommand() {
        try (QmpFixture fixture = new QmpFixture(data)) {
            fixture.probe("exec");
            assertThat(fixture.qmp.execute("exec", "{\"execute\":\"query-status\"}")).containsExactly(
                    "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}}");
            assertThat(fixture.qmp.execute("exec", "{\"execute\":")).containsExactly(
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, premature EOI\"}}");
        }
    }
}
