package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.api.VmException;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's serial console: a bounded buffer of recent output (for {@code vm:log}), the same output
 * appended to {@code console.log} (owner-only, capped and rotated per {@link ConsoleLogLimits}),
 * live listeners ({@code vm:console}) and the input path to whichever UART the running machine
 * has. Lives as long as the VM definition.
 */
final class SerialConsole implements VmConsole, AutoCloseable {
    static final int BUFFER_BYTES = 256 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SerialConsole.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] ring = new byte[BUFFER_BYTES];
    private long written;
    private final Path logFile;
    private final ConsoleLogLimits limits;
    /** The open console.log, or null once writing it failed (the guest's output still reaches the buffer). */
    private OutputStream log;
    private long logBytes;
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Consumer<byte[]> input;

    SerialConsole(Path logFile, ConsoleLogLimits limits) {
        this.logFile = logFile;
        this.limits = limits;
        try {
            openLog();
        } catch (IOException e) {
            throw new VmException("cannot open console log " + logFile + ": " + e.getMessage(), e);
        }
    }

    private void openLog() throws IOException {
        log = new BufferedOutputStream(Channels.newOutputStream(Files.newByteChannel(logFile,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))));
        // A log kept from an earlier definition may have a looser mode, and the umask applies on creation.
        Files.setPosixFilePermissions(logFile, OWNER_ONLY);
        logBytes = Files.size(logFile);
    }

    Path logFile() {
        return logFile;
    }

    /** One byte from the guest's UART (vCPU thread). */
    synchronized void output(byte b) {
        ring[(int) (written++ % BUFFER_BYTES)] = b;
        if (log != null) {
            try {
                if (logBytes >= limits.maxBytes()) {
                    rotate();
                }
                log.write(b);
                logBytes++;
                if (b == '\n') {
                    log.flush();
                }
            } catch (IOException e) {
                // Once, not per byte: a full disk must not turn a chatty guest into a flood of WARNs.
                LOG.warn("console log {}: {}; the console is no longer written to it", logFile, e.getMessage());
                closeLog();
            }
        }
        for (Listener listener : listeners) {
            listener.output(b);
        }
    }

    /** console.log becomes console.log.1, console.log.1 becomes .2 and so on; the oldest goes. */
    private void rotate() throws IOException {
        log.close();
        log = null;
        for (int i = limits.files() - 1; i >= 1; i--) {
            Path older = i == 1 ? logFile : rotated(i - 1);
            if (Files.exists(older)) {
                Files.move(older, rotated(i), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.deleteIfExists(logFile); // with files = 1 nothing moved it away
        openLog();
    }

    /** {@code console.log.N}, the N-th newest rotated log. */
    Path rotated(int n) {
        return logFile.resolveSibling(logFile.getFileName() + "." + n);
    }

    /** Connects input to the UART of the machine now running (null when none is). */
    void connectInput(Consumer<byte[]> uartInput) {
        this.input = uartInput;
    }

    @Override
    public synchronized String recentOutput(int lines) {
        int available = (int) Math.min(written, BUFFER_BYTES);
        int start = available;
        int newlines = 0;
        // A trailing partial line (a prompt) counts as one of the lines asked for.
        if (available > 0 && at(available - 1) == '\n') {
            newlines = -1;
        }
        while (start > 0) {
            if (at(start - 1) == '\n' && ++newlines >= lines) {
                break;
            }
            start--;
        }
        byte[] out = new byte[available - start];
        for (int i = 0; i < out.length; i++) {
            out[i] = at(start + i);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The i-th of the buffered bytes, oldest first. */
    private byte at(int i) {
        long first = Math.max(0, written - BUFFER_BYTES);
        return ring[(int) ((first + i) % BUFFER_BYTES)];
    }

    @Override
    public Closeable attach(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void sendInput(byte[] bytes) {
        Consumer<byte[]> target = input;
        if (target == null) {
            throw new VmException("the VM is not running: console input has nowhere to go");
        }
        target.accept(bytes);
    }

    @Override
    public synchronized void close() {
        listeners.clear();
        closeLog();
    }

    private void closeLog() {
        if (log == null) {
            return;
        }
        try {
            log.close();
        } catch (IOException e) {
            LOG.warn("console log {}: {}", logFile, e.getMessage());
        }
        log = null;
    }
}
