package io.hotvisor.vmm.command;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmManager;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.command.support.TrailingOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vm", name = "create", description = "Defines a VM that boots a Linux bzImage or PVH vmlinux (or the probe guest)")
@Service
public class VmCreate implements Action {
    @Reference
    VmManager manager;

    @Argument(index = 0, name = "name", description = "VM name", required = true)
    String name;

    @Argument(index = 1, name = "options", description = "the options may also follow the name", multiValued = true)
    List<String> trailing;

    /** The spec options of the memory hotplug capability, which reads them; these flags only spell them. */
    static final String HOTPLUG_MEMORY = "hotplug-memory";
    static final String MEMORY_SLOTS = "memory-slots";

    @Option(name = "--kernel", description = "bzImage, or ELF vmlinux (PVH entry), to boot (required)")
    @Completion(FileCompleter.class)
    String kernel;

    @Option(name = "--initrd", description = "initrd / initramfs image")
    @Completion(FileCompleter.class)
    String initrd;

    @Option(name = "--cmdline", description = "kernel command line")
    String cmdline = VmSpec.DEFAULT_CMDLINE;

    @Option(name = "--vcpus", description = "vCPUs at boot")
    int vcpus = 1;

    @Option(name = "--max-vcpus", description = "vCPUs the VM can grow to by CPU hotplug (default: --vcpus)")
    int maxVcpus;

    @Option(name = "--option", description = "a capability option KEY=VALUE, e.g. qmp.tcp=4444 (repeatable)",
            multiValued = true)
    List<String> options;

    @Option(name = "--device", description = "a boot-time device as QEMU's -device writes it, e.g."
            + " virtio-rng-pci,id=rng0 (repeatable)", multiValued = true)
    List<String> devices;

    @Option(name = "--disk", description = "a virtio-blk disk on a raw image: FILE[,readonly] (repeatable)",
            multiValued = true)
    @Completion(FileCompleter.class)
    List<String> disks;

    @Option(name = "--rng", description = "a virtio-rng entropy device fed from the host's /dev/urandom")
    boolean rng;

    @Option(name = "--net", description = "a virtio-net card on a host TAP: tap=NAME[,mac=52:54:00:..] (repeatable)",
            multiValued = true)
    List<String> nets;

    @Option(name = "--serial-port", description = "a named virtio serial port on DATA/hotvisor/VM/NAME.sock"
            + " (repeatable; e.g. org.qemu.guest_agent.0)", multiValued = true)
    List<String> serialPorts;

    @Option(name = "--hotplug-memory", description = "room for memory hot-add (pc-dimm, mem:add) above the RAM,"
            + " e.g. 2G (a multiple of 128M; needs feature hotvisor-mem-hotplug)")
    String hotplugMemory;

    @Option(name = "--memory-slots", description = "DIMM slots in the hotplug room (default 8, at most 256)")
    Integer memorySlots;

    @Option(name = "--memory", description = "guest RAM, e.g. 512M or 2G")
    String memory = "512M";

    @Option(name = "--start", description = "boot the VM right away")
    boolean start;

    @Override
    public Object execute() {
        TrailingOptions.apply(this, trailing);
        if (kernel == null) {
            throw new VmException("no kernel given: use --kernel FILE");
        }
        Map<String, String> allOptions = keyValues(options);
        if (hotplugMemory != null) {
            allOptions.put(HOTPLUG_MEMORY, hotplugMemory);
        }
        if (memorySlots != null) {
            allOptions.put(MEMORY_SLOTS, memorySlots.toString());
        }
        List<String> bootDevices = new ArrayList<>();
        for (String disk : disks == null ? List.<String>of() : disks) {
            bootDevices.add(diskDevice(disk, bootDevices.size()));
        }
        if (rng) {
            bootDevices.add("virtio-rng-pci,id=rng0");
        }
        List<String> cards = nets == null ? List.of() : nets;
        for (int index = 0; index < cards.size(); index++) {
            bootDevices.add("virtio-net-pci,id=net" + index + "," + cards.get(index));
        }
        if (serialPorts != null && !serialPorts.isEmpty()) {
            bootDevices.add("virtio-serial-pci,id=serial0,ports=" + String.join(":", serialPorts));
        }
        bootDevices.addAll(devices == null ? List.of() : devices);
        for (int index = 0; index < bootDevices.size(); index++) {
            allOptions.put(VmSpec.DEVICE_OPTION + index, bootDevices.get(index));
        }
        VmSpec spec = new VmSpec(name, absolute(kernel), initrd == null ? null : absolute(initrd), cmdline, vcpus,
                maxVcpus == 0 ? vcpus : maxVcpus, MemorySize.parse(memory), allOptions);
        Vm vm = manager.create(spec);
        if (start) {
            vm.start();
        }
        System.out.println(vm.name() + " " + vm.state().label());
        return null;
    }

    private static Map<String, String> keyValues(List<String> pairs) {
        Map<String, String> map = new TreeMap<>();
        for (String pair : pairs == null ? List.<String>of() : pairs) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new VmException("--option " + pair + ": use KEY=VALUE");
            }
            map.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return map;
    }

    /** {@code FILE[,readonly]} as a virtio-blk-pci device named disk0, disk1, ... */
    private static String diskDevice(String disk, int index) {
        String file = disk;
        boolean readonly = false;
        if (disk.endsWith(",readonly")) {
            file = disk.substring(0, disk.length() - ",readonly".length());
            readonly = true;
        }
        return "virtio-blk-pci,id=disk" + index + ",file=" + absolute(file).replace(",", ",,")
                + (readonly ? ",readonly=on" : "");
    }

    private static String absolute(String file) {
        return Path.of(file).toAbsolutePath().normalize().toString();
    }
}
