package io.hotvisor.vmm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The process's open file descriptors, as /proc/self/fd lists them: for tests that count leaks. */
public final class OpenFds {
    private OpenFds() {
    }

    /**
     * The fds with no file behind them (eventfds, epoll instances, KVM's): what the VMM's own
     * plumbing opens. Files and sockets other code in the test JVM opens, and the cleaner closes
     * at its own pace, do not disturb the count.
     */
    public static long anonymous() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.filter(OpenFds::anonymousInode).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean anonymousInode(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().startsWith("anon_inode:");
        } catch (IOException e) {
            return false; // closed while we looked
        }
    }

    /** The {@code flags:} line of /proc/self/fdinfo/FD, in octal as the kernel prints it. */
    public static int flags(int fd) {
        try {
            return Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                    .filter(line -> line.startsWith("flags:"))
                    .map(line -> Integer.parseInt(line.substring("flags:".length()).trim(), 8))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
