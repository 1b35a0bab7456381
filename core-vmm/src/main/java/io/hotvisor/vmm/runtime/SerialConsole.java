package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.api.VmException;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's serial console: a bounded buffer of recent output (for {@code vm:log}), the same output
 * appended to {@code console.log}, live listeners ({@code vm:console}) and the input path to
 * whichever UART the running machine has. Lives as long as the VM definition.
 */
final class SerialConsole implements VmConsole, AutoCloseable {
    static final int BUFFER_BYTES = 256 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SerialConsole.class);

    private final byte[] ring = new byte[BUFFER_BYTES];
    private long written;
    private final OutputStream log;
    private final Path logFile;
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Consumer<byte[]> input;

    SerialConsole(Path logFile) {
        this.logFile = logFile;
        try {
            Files.createDirectories(logFile.getParent());
            this.log = new BufferedOutputStream(Files.newOutputStream(logFile,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new VmException("cannot open console log " + logFile + ": " + e.getMessage(), e);
        }
    }

    Path logFile() {
        return logFile;
    }

    /** One byte from the guest's UART (vCPU thread). */
    synchronized void output(byte b) {
        ring[(int) (written++ % BUFFER_BYTES)] = b;
        try {
            log.write(b);
            if (b == '\n') {
                log.flush();
            }
        } catch (IOException e) {
            LOG.warn("console log {}: {}", logFile, e.getMessage());
        }
        for (Listener listener : listeners) {
            listener.output(b);
        }
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
        try {
            log.close();
        } catch (IOException e) {
            LOG.warn("console log {}: {}", logFile, e.getMessage());
        }
    }
}
