package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.command.support.VmAction;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;

/**
 * Attaches the shell session to a VM's serial console: guest output is shown as it comes, keys
 * go to the guest, Ctrl-] detaches (as in telnet and virsh).
 */
@Command(scope = "vm", name = "console", description = "Attaches to a VM's serial console (Ctrl-] detaches)")
@Service
public class VmConsoleCommand extends VmAction {
    static final int DETACH_KEY = 0x1D;
    /** The session variable under which Karaf keeps the session's jline terminal. */
    private static final String JLINE_TERMINAL = ".jline.terminal";
    private static final int RECENT_LINES = 5;

    @Reference
    Session session;

    @Override
    protected Object execute(Vm vm) throws Exception {
        PrintStream terminal = session.getConsole();
        InputStream keyboard = session.getKeyboard();
        terminal.println("Connected to the console of " + vm.name() + " (" + vm.state().label() + "); Ctrl-] detaches.");
        terminal.print(vm.console().recentOutput(RECENT_LINES));
        terminal.flush();
        OutputPump pump = new OutputPump(terminal, vm.name());
        try (Closeable attachment = vm.console().attach(pump)) {
            pump.start();
            if (session.get(JLINE_TERMINAL) instanceof Terminal jline) {
                forwardKeys(jline, vm.console());
            } else {
                int key;
                while ((key = keyboard.read()) >= 0 && key != DETACH_KEY) {
                    vm.console().sendInput(new byte[] {(byte) key});
                }
            }
        } finally {
            pump.stop();
        }
        terminal.println();
        terminal.println("Detached from " + vm.name() + ".");
        return null;
    }

    /**
     * Keys from an interactive session (the local console or SSH). Its jline terminal keeps a
     * thread reading the session's input for the line reader, so reading {@code getKeyboard()}
     * here would race that thread for every byte and lose most of them: keys come through the
     * terminal's reader instead, in raw mode so that each arrives as it is typed (Enter as CR,
     * which a guest's tty turns into a line end).
     */
    private static void forwardKeys(Terminal terminal, VmConsole console) throws IOException {
        Attributes saved = terminal.enterRawMode();
        try {
            int key;
            char highSurrogate = 0; // the first half of a character outside the BMP, until its second
            while ((key = terminal.reader().read()) >= 0 && key != DETACH_KEY) {
                char c = (char) key;
                if (Character.isHighSurrogate(c)) {
                    highSurrogate = c;
                    continue;
                }
                String typed = highSurrogate != 0 ? new String(new char[] {highSurrogate, c}) : String.valueOf(c);
                highSurrogate = 0;
                console.sendInput(typed.getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            terminal.setAttributes(saved);
        }
    }

    /**
     * Guest output arrives on a vCPU thread that must never wait for a slow terminal: it goes into
     * a bounded buffer (oldest bytes dropped when full) that this pump's thread writes out.
     */
    static final class OutputPump implements VmConsole.Listener, Runnable {
        private static final int CAPACITY = 64 * 1024;
        private final PrintStream terminal;
        private final Thread thread;
        private final byte[] buffer = new byte[CAPACITY];
        private int head;
        private int size;
        private boolean stopped;

        OutputPump(PrintStream terminal, String vmName) {
            this.terminal = terminal;
            this.thread = new Thread(this, "console-" + vmName);
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public synchronized void output(byte b) {
            buffer[(head + size) % CAPACITY] = b;
            if (size == CAPACITY) {
                head = (head + 1) % CAPACITY;
            } else {
                size++;
            }
            notifyAll();
        }

        @Override
        public void run() {
            byte[] chunk = new byte[4096];
            while (true) {
                int length;
                synchronized (this) {
                    while (size == 0 && !stopped) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (size == 0) {
                        return;
                    }
                    length = Math.min(size, Math.min(chunk.length, CAPACITY - head));
                    System.arraycopy(buffer, head, chunk, 0, length);
                    head = (head + length) % CAPACITY;
                    size -= length;
                }
                terminal.write(chunk, 0, length);
                terminal.flush();
            }
        }

        void stop() throws InterruptedException {
            synchronized (this) {
                stopped = true;
                notifyAll();
            }
            thread.join(1000);
        }
    }
}
