package io.hotvisor.qmp.command;

import io.hotvisor.qmp.protocol.ErrorClass;
import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.vmm.api.DeviceNotFoundException;

/** Core exceptions as QMP errors: the operator message becomes {@code desc}, the type the class. */
public final class VmErrors {
    private VmErrors() {
    }

    public static QmpError map(RuntimeException e) {
        if (e instanceof QmpError qmp) {
            return qmp;
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof DeviceNotFoundException) {
            return new QmpError(ErrorClass.DeviceNotFound, message);
        }
        // The core reports a missing KVM capability (Kvm.require) or no usable /dev/kvm in these
        // words; the API has no exception type for it yet.
        if (message.contains("KVM lacks the capability") || message.startsWith("/dev/kvm is missing")) {
            return new QmpError(ErrorClass.KVMMissingCap, message);
        }
        return QmpError.generic(message);
    }
}
