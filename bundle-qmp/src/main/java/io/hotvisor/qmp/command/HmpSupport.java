package io.hotvisor.qmp.command;

import java.util.Map;

/** The command groups' operations that HMP verbs share with their QMP commands. */
public final class HmpSupport {
    private HmpSupport() {
    }

    public static void deviceAdd(CommandContext context, String driver, String id, Map<String, Object> properties) {
        DeviceCommands.deviceAdd(context, driver, id, properties);
    }

    public static void deviceDel(CommandContext context, String id) {
        DeviceCommands.deviceDel(context, id);
    }

    public static void objectAdd(CommandContext context, String type, String id, Map<String, Object> properties) {
        MemoryCommands.objectAdd(context, type, id, properties);
    }

    public static void objectDel(CommandContext context, String id) {
        MemoryCommands.objectDel(context, id);
    }

    public static void addCpu(CommandContext context, int id) {
        CpuCommands.addCpu(context, id);
    }

    public static void removeCpu(CommandContext context, int id) {
        CpuCommands.removeCpu(context, id);
    }
}
