package io.hotvisor.vmm.api;

/** Something registered with the VM that {@link #close()} undoes; closing twice is harmless. */
public interface Registration extends AutoCloseable {
    @Override
    void close();
}
