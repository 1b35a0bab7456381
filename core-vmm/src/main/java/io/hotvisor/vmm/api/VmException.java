package io.hotvisor.vmm.api;

/**
 * A request on a VM could not be carried out. The message is one line meant for the operator
 * (shell, QMP, JMX) and names what was wrong.
 */
public class VmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmException(String message) {
        super(message);
    }

    public VmException(String message, Throwable cause) {
        super(message, cause);
    }
}
