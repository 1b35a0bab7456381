package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.testing.TestImages;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit row 13: {@code data/hotvisor/NAME} is 0700 and its console log 0600 whatever the umask,
 * and vm:destroy removes them (no KVM needed: a VM that never started has its directory too).
 */
class VmDirectoriesTest {
    private static final HostLimits ANY_HOST = new HostLimits() {
        @Override
        public OptionalLong memory() {
            return OptionalLong.empty();
        }

        @Override
        public OptionalInt maxVcpus() {
            return OptionalInt.empty();
        }
    };

    @TempDir
    Path data;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static VmSpec spec() {
        return new VmSpec("demo", TestImages.probeGuest().toString(), null, "console=ttyS0", 1, 64L << 20);
    }

    /** The modes a umask of 022 gives, on what an earlier run left behind. */
    private Path looseLeftovers() throws IOException {
        Path directory = Files.createDirectories(data.resolve("demo"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = Files.writeString(directory.resolve("console.log"), "earlier\n");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));
        return directory;
    }

    @Test
    void theDirectoryIsOwnerOnlyAndGoesWithTheVm() throws IOException {
        Path directory = looseLeftovers();
        try (VmManagerImpl manager = new VmManagerImpl(data, ANY_HOST)) {
            Vm vm = manager.create(spec());

            assertThat(vm.dataDirectory()).isEqualTo(directory);
            assertThat(mode(directory)).isEqualTo("rwx------");
            assertThat(mode(directory.resolve("console.log"))).isEqualTo("rw-------");
            try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                // a socket its owner did not delete (a QMP server that failed to close)
                socket.bind(UnixDomainSocketAddress.of(directory.resolve("qmp.sock")));
                Files.writeString(directory.resolve("console.log.1"), "rotated\n");

                manager.destroy("demo");
            }
            assertThat(directory).doesNotExist();
            assertThat(data).exists();
        }
    }

    @Test
    void filesSomeoneElsePutThereKeepTheDirectory() throws IOException {
        try (VmManagerImpl manager = new VmManagerImpl(data, ANY_HOST)) {
            Vm vm = manager.create(spec());
            Path notes = Files.writeString(vm.dataDirectory().resolve("notes.txt"), "mine\n");

            manager.destroy("demo");

            assertThat(vm.dataDirectory()).isDirectory();
            try (var left = Files.list(vm.dataDirectory())) {
                assertThat(left).containsExactly(notes);
            }
        }
    }

    @Test
    void theConfigurationCanKeepTheConsoleLog() throws IOException {
        try (VmManagerImpl manager = new VmManagerImpl(data, ANY_HOST)) {
            manager.configure(Map.of(VmManagerSettings.CONSOLE_LOG_KEEP, "true"));
            Vm vm = manager.create(spec());

            manager.destroy("demo");

            assertThat(vm.dataDirectory().resolve("console.log")).exists();
            assertThat(mode(vm.dataDirectory())).isEqualTo("rwx------");
        }
    }

    @Test
    void aFailedDefinitionLeavesNoDirectory() {
        try (VmManagerImpl manager = new VmManagerImpl(data, ANY_HOST)) {
            VmSpec noKernel = new VmSpec("demo", data.resolve("absent").toString(), null, "", 1, 64L << 20);
            assertThatThrownBy(() -> manager.create(noKernel)).hasMessageContaining("absent");

            assertThat(data.resolve("demo")).doesNotExist();
        }
    }
}
