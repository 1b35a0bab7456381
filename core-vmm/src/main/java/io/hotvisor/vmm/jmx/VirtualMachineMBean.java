package io.hotvisor.vmm.jmx;

/**
 * JMX view of one VM: {@code io.hotvisor:type=VirtualMachine,name=NAME}. Operations fail with an
 * {@link IllegalStateException} whose message is the one-line reason (a type every JMX client
 * can deserialise).
 */
public interface VirtualMachineMBean {
    String getName();

    String getState();

    int getVcpus();

    long getMemoryBytes();

    long getUptimeSeconds();

    String getKernel();

    void start();

    void stop();

    void pause();

    void resume();
}
