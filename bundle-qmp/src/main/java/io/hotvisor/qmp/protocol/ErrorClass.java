package io.hotvisor.qmp.protocol;

/** QMP error classes (QEMU's QapiErrorClass). */
public enum ErrorClass {
    GenericError,
    CommandNotFound,
    DeviceNotActive,
    DeviceNotFound,
    KVMMissingCap
}
