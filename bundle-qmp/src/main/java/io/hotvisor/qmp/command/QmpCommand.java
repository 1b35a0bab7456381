package io.hotvisor.qmp.command;

import com.google.gson.JsonElement;

/**
 * One QMP command. Returns the {@code return} value ({@code null} stands for {@code {}}); fails
 * with a {@link io.hotvisor.qmp.protocol.QmpError} or a core {@code VmException}, which
 * {@link VmErrors} turns into the QMP error class.
 */
@FunctionalInterface
public interface QmpCommand {
    JsonElement execute(CommandContext context, Arguments arguments);
}
