package io.hotvisor.qmp.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The commands the QMP server knows, by name. Each command group registers its commands here;
 * a group for a capability that lands later (memory, PCI, USB) adds its commands the same way,
 * and removing them makes them CommandNotFound again.
 */
public final class CommandRegistry {
    private final Map<String, QmpCommand> commands = new ConcurrentHashMap<>();
    private final List<String> order = new ArrayList<>();

    public synchronized void register(String name, QmpCommand command) {
        if (commands.putIfAbsent(name, command) != null) {
            throw new IllegalStateException("QMP command " + name + " is registered twice");
        }
        order.add(name);
    }

    public synchronized void unregister(String name) {
        if (commands.remove(name) != null) {
            order.remove(name);
        }
    }

    public QmpCommand find(String name) {
        return commands.get(name);
    }

    /** Every command name, in registration order. */
    public synchronized List<String> names() {
        return List.copyOf(order);
    }
}
