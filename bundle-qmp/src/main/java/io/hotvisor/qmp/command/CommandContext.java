package io.hotvisor.qmp.command;

import io.hotvisor.qmp.QmpServices;
import io.hotvisor.vmm.api.Vm;

/** What a command sees: its VM, the services it may use, and the client session it runs for. */
public interface CommandContext {
    Vm vm();

    QmpServices services();

    CommandRegistry registry();

    /** True once the client completed {@code qmp_capabilities}. */
    boolean negotiated();

    /** Leaves capabilities negotiation mode. */
    void negotiate();

    /** The connection ends once the reply to this command is sent ({@code quit}). */
    void closeAfterReply();
}
