package io.hotvisor.qmp.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where a VM's QMP socket goes: {@code DATA/hotvisor/VM/qmp.sock}, unless that path does not fit
 * a UNIX socket address (sun_path holds 107 bytes and a NUL) or cannot be bound there; then
 * {@code /tmp/hotvisor-UID/VM.sock} in a directory only this user may enter.
 */
public final class SocketPaths {
    /** The longest socket path the kernel accepts, in bytes. */
    public static final int MAX_PATH_BYTES = 107;
    public static final String FILE_NAME = "qmp.sock";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private SocketPaths() {
    }

    public static boolean fits(Path path) {
        return path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH_BYTES;
    }

    /** The preferred path for a VM's socket. */
    public static Path preferred(Path vmDirectory) {
        return vmDirectory.resolve(FILE_NAME).toAbsolutePath();
    }

    /** The short fallback path, in {@code /tmp/hotvisor-UID} (created 0700, or checked if it is there). */
    public static Path fallback(String vmName) throws IOException {
        return fallback(Path.of(System.getProperty("hotvisor.qmp.fallbackDirectory", "/tmp/hotvisor-" + uid())),
                vmName);
    }

    /**
     * {@code directory/VM.sock}. In a directory anyone may write into, such as /tmp, another user
     * could have made {@code directory} first, as a symbolic link or with a mode that lets them
     * replace the socket: it must be a directory of this user's, mode 0700.
     *
     * @throws IOException saying in one line what is wrong with the directory
     */
    static Path fallback(Path directory, String vmName) throws IOException {
        boolean created = false;
        try {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            created = true;
        } catch (FileAlreadyExistsException alreadyThere) {
            // made earlier, by us or by someone else: checked below
        }
        PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        String problem = null;
        if (attributes.isSymbolicLink()) {
            problem = "is a symbolic link";
        } else if (!attributes.isDirectory()) {
            problem = "is not a directory";
        } else if ((Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid()) {
            problem = "belongs to " + attributes.owner().getName() + ", not to this user (uid " + uid() + ")";
        } else if (created) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY); // the umask may have taken bits away
        } else if (!attributes.permissions().equals(OWNER_ONLY)) {
            problem = "has mode " + PosixFilePermissions.toString(attributes.permissions()) + ", not rwx------";
        }
        if (problem != null) {
            throw new IOException("QMP socket directory " + directory + " " + problem
                    + ": refusing to use it (remove it, or set hotvisor.qmp.fallbackDirectory)");
        }
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
