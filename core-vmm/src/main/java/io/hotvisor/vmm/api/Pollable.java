package io.hotvisor.vmm.api;

/** Something the VM's I/O thread can wait on: a file descriptor owned by the core. */
public interface Pollable {
    /** The file descriptor, to hand to the kernel; it stays owned by its owner. */
    int fd();
}
