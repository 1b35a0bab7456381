package io.hotvisor.qmp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Audit row 19: the short socket directory lives where anyone may write, so it is checked before use. */
class SocketPathsTest {
    @TempDir
    Path data;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aMissingDirectoryIsCreatedForThisUserOnly() throws IOException {
        Path directory = data.resolve("hotvisor-test");
        assertThat(SocketPaths.fallback(directory, "vm")).isEqualTo(directory.resolve("vm.sock"));
        assertThat(mode(directory)).isEqualTo("rwx------");
        assertThat(SocketPaths.fallback(directory, "other")).isEqualTo(directory.resolve("other.sock"));
    }

    @Test
    void row19ASymbolicLinkIsRefused() throws IOException {
        Path target = Files.createDirectory(data.resolve("elsewhere"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(data.resolve("hotvisor-test"), target);
        assertThatThrownBy(() -> SocketPaths.fallback(link, "vm")).isInstanceOf(IOException.class)
                .hasMessage("QMP socket directory " + link + " is a symbolic link: refusing to use it"
                        + " (remove it, or set hotvisor.qmp.fallbackDirectory)");
    }

    @Test
    void row19ADirectoryOfAnotherUserIsRefused() throws IOException {
        Path directory;
        if (SocketPaths.uid() == 0) {
            directory = Files.createDirectory(data.resolve("hotvisor-test"));
            Files.setAttribute(directory, "unix:uid", 65534);
        } else {
            directory = Path.of("/"); // root's, and never changed: the check refuses before any chmod
        }
        assertThatThrownBy(() -> SocketPaths.fallback(directory, "vm")).isInstanceOf(IOException.class)
                .hasMessageContaining(" belongs to ").hasMessageContaining("not to this user");
    }

    @Test
    void row19ADirectoryOthersMayWriteIntoIsRefused() throws IOException {
        Path directory = Files.createDirectory(data.resolve("hotvisor-test"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> SocketPaths.fallback(directory, "vm")).isInstanceOf(IOException.class)
                .hasMessageContaining("has mode rwxrwxrwx, not rwx------");
        assertThat(mode(directory)).isEqualTo("rwxrwxrwx");
    }
}
