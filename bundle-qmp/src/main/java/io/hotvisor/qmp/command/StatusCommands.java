package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.hotvisor.qmp.QmpServices;
import io.hotvisor.qmp.protocol.ErrorClass;
import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmState;
import java.util.function.Predicate;

/** Negotiation, version, status and the run-state commands: stop, cont, reset, powerdown, quit. */
public final class StatusCommands {
    /** QEMU's shutdown cause for {@code quit}. */
    static final String QUIT_REASON = "host-qmp-quit";
    private StatusCommands() {
    }

    public static void register(CommandRegistry registry) {
        registry.register("qmp_capabilities", StatusCommands::capabilities);
        registry.register("query-version", (context, args) -> {
            args.done();
            return version(context.services());
        });
        registry.register("query-commands", StatusCommands::commands);
        registry.register("query-status", StatusCommands::queryStatus);
        registry.register("query-name", (context, args) -> {
            args.done();
            return Values.object("name", context.vm().name());
        });
        registry.register("query-kvm", (context, args) -> {
            args.done();
            return Values.object("enabled", true, "present", true);
        });
        registry.register("stop", StatusCommands::stop);
        registry.register("cont", StatusCommands::cont);
        registry.register("system_reset", StatusCommands::reset);
        registry.register("system_powerdown", StatusCommands::powerdown);
        registry.register("quit", StatusCommands::quit);
    }

    /** QEMU's version object: {@code {"qemu": {"micro", "minor", "major"}, "package"}}. */
    public static JsonObject version(QmpServices services) {
        JsonObject qemu = Values.object("micro", QmpServices.QEMU_MICRO, "minor", QmpServices.QEMU_MINOR,
                "major", QmpServices.QEMU_MAJOR);
        JsonObject version = new JsonObject();
        version.add("qemu", qemu);
        version.addProperty("package", services.packageName());
        return version;
    }

    private static JsonElement capabilities(CommandContext context, Arguments args) {
        JsonArray enable = args.optArray("enable");
        args.done();
        if (context.negotiated()) {
            throw new QmpError(ErrorClass.CommandNotFound, "Capabilities negotiation is already complete, command ignored");
        }
        if (enable != null) {
            for (int i = 0; i < enable.size(); i++) {
                JsonElement capability = enable.get(i);
                if (!capability.isJsonPrimitive() || !capability.getAsJsonPrimitive().isString()) {
                    throw QmpError.generic("Invalid parameter type for 'enable[" + i + "]', expected: string");
                }
                if (!"oob".equals(capability.getAsString())) {
                    throw QmpError.generic("Parameter 'enable[" + i + "]' does not accept value '"
                            + capability.getAsString() + "'");
                }
            }
            if (!enable.isEmpty()) {
                throw QmpError.generic("Capability oob not available");
            }
        }
        context.negotiate();
        return null;
    }

    private static JsonElement commands(CommandContext context, Arguments args) {
        args.done();
        JsonArray list = new JsonArray();
        for (String name : context.registry().names()) {
            list.add(Values.object("name", name));
        }
        return list;
    }

    /** QEMU's run state for a Hotvisor VM state. */
    public static String status(VmState state) {
        return switch (state) {
            case CREATED -> "prelaunch";
            case RUNNING -> "running";
            case PAUSED -> "paused";
            case STOPPED, SHUTDOWN -> "shutdown";
            case FAILED -> "internal-error";
        };
    }

    private static JsonElement queryStatus(CommandContext context, Arguments args) {
        args.done();
        VmState state = context.vm().state();
        return Values.object("status", status(state), "singlestep", false, "running", state == VmState.RUNNING);
    }

    /** Stopping a VM that is not running does nothing, as in QEMU. */
    private static JsonElement stop(CommandContext context, Arguments args) {
        args.done();
        Vm vm = context.vm();
        if (vm.state() == VmState.RUNNING) {
            unlessBeaten(vm, vm::pause, state -> state != VmState.RUNNING);
        }
        return null;
    }

    /** Continuing a running VM does nothing, as in QEMU. */
    private static JsonElement cont(CommandContext context, Arguments args) {
        args.done();
        Vm vm = context.vm();
        switch (vm.state()) {
            case PAUSED -> unlessBeaten(vm, vm::resume, state -> state == VmState.RUNNING);
            case CREATED -> unlessBeaten(vm, () -> {
                vm.start();
                // Leaving prelaunch: QEMU's vm_start sends RESUME (the core's start() does not).
                vm.publish(new VmEvent.Resume());
            }, VmState::isActive);
            case RUNNING -> {
            }
            default -> throw QmpError.generic("Resetting the Virtual Machine is required");
        }
        return null;
    }

    /**
     * Runs a state change the VM refuses if another client (or the guest) changed the state since
     * it was read (audit row 18): a refusal that leaves the VM where the command wanted it is the
     * no-op QEMU answers; any other one is the command's error.
     */
    private static void unlessBeaten(Vm vm, Runnable change, Predicate<VmState> done) {
        try {
            change.run();
        } catch (VmException e) {
            if (!done.test(vm.state())) {
                throw e;
            }
        }
    }

    /** A running VM is reset (RESET event); one that is down boots again, as after a power cycle. */
    private static JsonElement reset(CommandContext context, Arguments args) {
        args.done();
        Vm vm = context.vm();
        if (vm.state().isActive()) {
            vm.reset();
        } else {
            vm.start();
        }
        return null;
    }

    private static JsonElement powerdown(CommandContext context, Arguments args) {
        args.done();
        Vm vm = context.vm();
        GedEvents ged = context.services().gedEvents()
                .orElseThrow(() -> QmpError.notSupported("the ACPI power button", "acpi-ged"));
        if (!vm.state().isActive()) {
            throw QmpError.generic(vm.name() + " is not running (state " + vm.state().label() + ")");
        }
        try {
            ged.raise(vm, GedEvents.POWER_BUTTON);
        } catch (CapabilityMissingException e) {
            throw QmpError.notSupported("the ACPI power button", e.capability());
        }
        vm.publish(new VmEvent.Powerdown());
        return null;
    }

    private static JsonElement quit(CommandContext context, Arguments args) {
        args.done();
        Vm vm = context.vm();
        boolean stopped = false;
        if (vm.state().isActive()) {
            try {
                vm.stop(QUIT_REASON);
                stopped = true;
            } catch (VmException e) {
                if (vm.state().isActive()) {
                    throw e;
                }
            }
        }
        if (!stopped) {
            // Nothing to stop (or the guest beat us to it): QEMU still says it is quitting.
            vm.publish(new VmEvent.Shutdown(false, QUIT_REASON));
        }
        context.closeAfterReply();
        return null;
    }
}
