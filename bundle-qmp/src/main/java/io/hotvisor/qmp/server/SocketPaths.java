package io.hotvisor.qmp.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a VM's QMP socket goes: {@code DATA/hotvisor/VM/qmp.sock}, unless that path does not fit
 * a UNIX socket address (sun_path holds 107 bytes and a NUL) or cannot be bound there; then
 * {@code /tmp/hotvisor-UID/VM.sock} in a directory only this user may enter.
 */
public final class SocketPaths {
    /** The longest socket path the kernel accepts, in bytes. */
    public static final int MAX_PATH_BYTES = 107;
    public static final String FILE_NAME = "qmp.sock";

    private SocketPaths() {
    }

    public static boolean fits(Path path) {
        return path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH_BYTES;
    }

    /** The preferred path for a VM's socket. */
    public static Path preferred(Path vmDirectory) {
        return vmDirectory.resolve(FILE_NAME).toAbsolutePath();
    }

    /** The short fallback path, creating its 0700 directory. */
    public static Path fallback(String vmName) throws IOException {
        Path directory = Path.of(System.getProperty("hotvisor.qmp.fallbackDirectory",
                "/tmp/hotvisor-" + uid()));
        if (!Files.isDirectory(directory)) {
            try {
                Files.createDirectories(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another VM created it meanwhile
            }
        }
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        return directory.resolve(vmName + ".sock");
    }

    static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return Math.abs(System.getProperty("user.name", "user").hashCode());
        }
    }
}
