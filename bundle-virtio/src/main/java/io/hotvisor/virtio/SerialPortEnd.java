package io.hotvisor.virtio;

import java.util.function.Consumer;

/** The host end of a virtio-serial port. */
interface SerialPortEnd extends AutoCloseable {
    /** Delivers what the host sends, and the host side opening (true) or closing (false), from now on. */
    void start(Consumer<byte[]> fromHost, Consumer<Boolean> openChanged);

    /** Stops delivering (the device was reset); what arrives meanwhile is dropped. */
    void stop();

    boolean connected();

    /** Bytes from the guest; dropped when nobody is connected. */
    void send(byte[] bytes);

    @Override
    void close();
}
