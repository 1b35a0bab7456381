package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.runtime.VirtualMachine;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's data directory, {@code data/hotvisor/NAME}: the console logs and the sockets of QMP and
 * of devices. It holds a guest's output and control sockets, so only the owner may enter it,
 * whatever the umask. It goes with the VM, as a QEMU VM leaves nothing behind, unless the
 * configuration keeps console logs or someone put files of their own there.
 */
final class VmDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(VmDirectories.class);
    private static final Pattern CONSOLE_LOG = Pattern.compile(Pattern.quote(VirtualMachine.CONSOLE_LOG) + "(\\.\\d+)?");

    private VmDirectories() {
    }

    /** Creates {@code directory} (or takes one a kept console log left) with mode 0700. */
    static Path create(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            return directory;
        } catch (IOException e) {
            throw new VmException("cannot create the VM data directory " + directory + ": " + e, e);
        }
    }

    /**
     * Deletes what Hotvisor put in {@code directory} (sockets, and console logs unless kept), then
     * the directory if nothing else is left. Problems are logged: the VM is gone either way.
     */
    static void remove(Path directory, boolean keepConsoleLog) {
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path file : entries.toList()) {
                if (ours(file, keepConsoleLog)) {
                    Files.deleteIfExists(file);
                }
            }
            Files.delete(directory);
        } catch (NoSuchFileException e) {
            // never created, or already removed
        } catch (DirectoryNotEmptyException e) {
            if (!keepConsoleLog) {
                LOG.info("{} kept: it holds files Hotvisor did not make ({})", directory, names(directory));
            }
        } catch (IOException e) {
            LOG.warn("cannot remove the VM data directory {}: {}", directory, e.toString());
        }
    }

    private static boolean ours(Path file, boolean keepConsoleLog) throws IOException {
        if (CONSOLE_LOG.matcher(file.getFileName().toString()).matches()) {
            return !keepConsoleLog;
        }
        // Sockets (QMP, virtio-serial ports) whose owner did not get to delete them.
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static List<String> names(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }
}
