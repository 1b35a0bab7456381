package io.hotvisor.linux;

import io.hotvisor.vmm.api.Vm;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test's handle on a Linux guest's serial console: wait for a pattern with a timeout, send a
 * command, read its output and exit status. Every failure it raises carries the last
 * {@value #CONTEXT_LINES} lines of console. Attach it before the VM starts so that it sees
 * everything the guest writes.
 */
public final class GuestConsole implements Closeable {
    public static final int CONTEXT_LINES = 50;
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]");

    private final Vm vm;
    private final StringBuilder output = new StringBuilder();
    /** Transcript events: (nanoTime, text) for sent lines, and the output offset of each line end. */
    private final StringBuilder transcript = new StringBuilder();
    private final long created = System.nanoTime();
    private int transcribed;
    private final Closeable attachment;
    private int consumed;
    private int sequence;
    private String prompt = "# ";

    private GuestConsole(Vm vm) {
        this.vm = vm;
        this.attachment = vm.console().attach(this::received);
    }

    /** Starts recording the console of {@code vm}. */
    public static GuestConsole attach(Vm vm) {
        return new GuestConsole(vm);
    }

    public String vmName() {
        return vm.name();
    }

    /** The shell prompt {@link #run} waits for after each command. */
    public GuestConsole prompt(String prompt) {
        this.prompt = prompt;
        return this;
    }

    /** Called on a vCPU thread: appends and returns. */
    private void received(byte b) {
        synchronized (output) {
            output.append((char) (b & 0xFF));
            if (b == '\n') {
                transcribeOutput();
            }
        }
    }

    /** Appends the output lines not yet in the transcript, stamped with the time now. */
    private void transcribeOutput() {
        String stamp = String.format(java.util.Locale.ROOT, "[%8.3f] ", (System.nanoTime() - created) / 1e9);
        String lines = output.substring(transcribed).replace("\r", "");
        transcribed = output.length();
        for (String line : lines.split("\n", -1)) {
            if (!line.isEmpty()) {
                transcript.append(stamp).append(ANSI.matcher(line).replaceAll("")).append('\n');
            }
        }
    }

    /**
     * Output lines, and lines typed ({@code >>> }), each with the seconds since attach when it
     * was complete: where the time of a slow test went.
     */
    public String transcript() {
        synchronized (output) {
            transcribeOutput();
            return transcript.toString();
        }
    }

    /** Everything the guest wrote since attach (as ISO-8859-1 characters). */
    public String all() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** Waits until {@code text} appears in output not consumed by an earlier wait. */
    public String waitFor(String text, Duration timeout) {
        return waitFor(Pattern.compile(Pattern.quote(text)), timeout).group();
    }

    /**
     * Waits until {@code pattern} matches output not consumed by an earlier wait; the match and
     * everything before it count as consumed.
     */
    public Matcher waitFor(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = all();
            Matcher matcher = pattern.matcher(text);
            if (matcher.find(Math.min(consumed, text.length()))) {
                consumed = matcher.end();
                return matcher;
            }
            if (System.nanoTime() - deadline > 0) {
                throw failure("timed out after " + timeout.toSeconds() + " s waiting for /" + pattern + "/");
            }
            if (vm.failure().isPresent()) {
                throw failure("the VM failed while waiting for /" + pattern + "/");
            }
            sleep(20);
        }
    }

    /** Types a line (ending in CR, as a terminal sends Enter). */
    public void sendLine(String line) {
        synchronized (output) {
            transcribeOutput();
            transcript.append(String.format(java.util.Locale.ROOT, "[%8.3f] >>> %s%n",
                    (System.nanoTime() - created) / 1e9, line));
        }
        vm.console().sendInput((line + "\r").getBytes(StandardCharsets.US_ASCII));
    }

    /** Output and exit status of a shell command. */
    public record Result(String command, String output, int status) {
    }

    /**
     * Runs {@code command} in the guest's shell and returns its output (CR removed, trimmed) and
     * exit status; waits for the prompt afterwards. The command's own echo is not part of the
     * output: the markers around it are quoted on the command line, not in what echo prints.
     */
    public Result run(String command, Duration timeout) {
        int n = ++sequence;
        sendLine("echo @@B" + n + "'@@'; " + command + "; echo @@E" + n + "'@@' $?");
        Matcher m = waitFor(Pattern.compile("@@B" + n + "@@\r?\n(.*?)@@E" + n + "@@ (\\d+)", Pattern.DOTALL), timeout);
        String out = ANSI.matcher(m.group(1)).replaceAll("").replace("\r", "").strip();
        int status = Integer.parseInt(m.group(2));
        waitFor(prompt, timeout);
        return new Result(command, out, status);
    }

    /** Runs {@code command}, fails (with the console) unless it exits 0, returns its output. */
    public String check(String command, Duration timeout) {
        Result result = run(command, timeout);
        if (result.status() != 0) {
            throw failure("'" + command + "' exited with status " + result.status() + "; output:\n" + result.output());
        }
        return result.output();
    }

    /** The last {@code lines} lines of console output, without CRs and terminal escapes. */
    public String tail(int lines) {
        String text = ANSI.matcher(all()).replaceAll("").replace("\r", "");
        int end = text.endsWith("\n") ? text.length() - 1 : text.length();
        int from = end;
        for (int i = 0; i < lines && from > 0; i++) {
            from = text.lastIndexOf('\n', from - 1);
            if (from < 0) {
                from = 0;
                break;
            }
        }
        return text.substring(from == 0 ? 0 : from + 1, end);
    }

    /** An AssertionError for this guest: {@code message} plus the last lines of console. */
    public AssertionError failure(String message) {
        return new AssertionError(message + describe());
    }

    /** VM state and the last {@value #CONTEXT_LINES} lines of console, for failure messages. */
    public String describe() {
        return "\n--- VM " + vm.name() + " (state " + vm.state().label() + vm.failure().map(f -> ": " + f).orElse("")
                + "), last " + CONTEXT_LINES + " lines of its console ---\n" + tail(CONTEXT_LINES)
                + "\n--- end of console of " + vm.name() + " ---";
    }

    @Override
    public void close() {
        try {
            attachment.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
