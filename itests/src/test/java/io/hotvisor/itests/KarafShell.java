package io.hotvisor.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;

/**
 * Executes Karaf shell commands in a fresh session and captures what they print (stdout and
 * stderr together, plus the formatted return value, as a person at the console would see it).
 */
public final class KarafShell {

    /**
     * A command that threw: its error message and everything it printed before. The cause is
     * copied into a plain exception, because this one travels back to the Pax Exam driver, which
     * cannot load Hotvisor's exception classes.
     */
    public static final class CommandFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String error;
        private final String output;

        CommandFailedException(String command, String output, Throwable cause) {
            super("'" + command + "' failed: " + cause + (output.isEmpty() ? "" : "\noutput:\n" + output),
                    portable(cause));
            this.error = String.valueOf(cause.getMessage());
            this.output = output;
        }

        /** The message of the exception the command threw. */
        public String error() {
            return error;
        }

        public String output() {
            return output;
        }

        private static RuntimeException portable(Throwable t) {
            RuntimeException copy = new RuntimeException(t.getClass().getName() + ": " + t.getMessage(),
                    t.getCause() == null ? null : portable(t.getCause()));
            copy.setStackTrace(t.getStackTrace());
            return copy;
        }
    }

    private final SessionFactory sessionFactory;

    public KarafShell(SessionFactory sessionFactory) {
        this.sessionFactory = sessionFactory;
    }

    public String execute(String command, Duration timeout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "itest-shell");
            t.setDaemon(true);
            return t;
        });
        Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), out, out);
        session.put("USER", "karaf");
        session.put("APPLICATION", System.getProperty("karaf.name", "root"));
        try {
            Future<Object> result = executor.submit(() -> session.execute(command));
            Object value;
            try {
                value = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                result.cancel(true);
                throw new AssertionError("'" + command + "' did not finish in " + timeout.toSeconds()
                        + " s; output so far:\n" + text(bytes));
            } catch (ExecutionException e) {
                out.flush();
                throw new CommandFailedException(command, text(bytes), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (value != null) {
                out.println(value);
            }
            out.flush();
            return text(bytes);
        } finally {
            session.close();
            executor.shutdownNow();
        }
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
