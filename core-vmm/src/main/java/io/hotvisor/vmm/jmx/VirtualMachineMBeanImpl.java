package io.hotvisor.vmm.jmx;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;

/** Adapts a {@link Vm} to its MBean interface. */
final class VirtualMachineMBeanImpl implements VirtualMachineMBean {
    private final Vm vm;

    VirtualMachineMBeanImpl(Vm vm) {
        this.vm = vm;
    }

    @Override
    public String getName() {
        return vm.name();
    }

    @Override
    public String getState() {
        return vm.state().label();
    }

    @Override
    public int getVcpus() {
        return vm.currentVcpus();
    }

    @Override
    public long getMemoryBytes() {
        return vm.currentMemory();
    }

    @Override
    public long getUptimeSeconds() {
        return vm.uptime().toSeconds();
    }

    @Override
    public String getKernel() {
        return vm.spec().kernel();
    }

    @Override
    public void start() {
        run(vm::start);
    }

    @Override
    public void stop() {
        run(vm::stop);
    }

    @Override
    public void pause() {
        run(vm::pause);
    }

    @Override
    public void resume() {
        run(vm::resume);
    }

    private static void run(Runnable operation) {
        try {
            operation.run();
        } catch (VmException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }
}
