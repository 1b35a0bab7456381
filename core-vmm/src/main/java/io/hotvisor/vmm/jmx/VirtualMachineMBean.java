package io.hotvisor.vmm.jmx;

/**
 * JMX view of one VM: {@code io.hotvisor:type=VirtualMachine,name=NAME}. Operations fail with an
 * {@link IllegalStateException} whose message is the one-line reason (a type every JMX client
 * can deserialise).
 */
public interface VirtualMachineMBean {
    String getName();

    String getState();

    /** The vCPUs plugged now (the boot count while the VM is down). */
    int getVcpus();

    /** Guest RAM now (the boot size while the VM is down). */
    long getMemoryBytes();

    long getUptimeSeconds();

    String getKernel();

    void start();

    void stop();

    void pause();

    void resume();
}
