package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.virtio.DescriptorChain;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A virtio entropy device whose "randomness" is 0, 1, 2, ...: tests can check every byte it
 * writes. It records its activations and resets in {@link #lifecycle}.
 */
public final class CountingEntropy implements VirtioDevice {
    public final List<String> lifecycle = new CopyOnWriteArrayList<>();
    private VirtioQueues queues;
    private int next;

    @Override
    public int deviceType() {
        return 4;
    }

    @Override
    public int pciClass() {
        return 0x00ff00;
    }

    @Override
    public long features() {
        return 0;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(64);
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public void readConfig(int offset, byte[] data) {
    }

    @Override
    public void activate(VirtioQueues activated) {
        lifecycle.add("activate");
        queues = activated;
    }

    @Override
    public void queueNotified(int index) {
        Virtqueue queue = queues.queue(index);
        for (DescriptorChain chain = queue.pop(queues.memory()); chain != null; chain = queue.pop(queues.memory())) {
            byte[] bytes = new byte[(int) chain.writableBytes()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) next++;
            }
            chain.write(queues.memory(), 0, bytes, 0, bytes.length);
            queue.addUsed(queues.memory(), chain, bytes.length);
        }
        queues.usedBuffers(index);
    }

    @Override
    public void reset() {
        lifecycle.add("reset");
        queues = null;
    }
}
