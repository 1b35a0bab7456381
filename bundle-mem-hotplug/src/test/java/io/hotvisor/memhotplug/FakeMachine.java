package io.hotvisor.memhotplug;

import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.StateVault;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.api.memory.VmMemory;
import io.hotvisor.vmm.manager.DeviceManagerImpl;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A VM without KVM for the memory hotplug bundle: dynamic proxies (so that the core's interfaces
 * may grow) over a hotplug region, memory backends and a vault that tests can inspect, wired to
 * the real device manager, the service and the pc-dimm driver. {@link #guest} drives the
 * controller's registers as the AML does.
 */
final class FakeMachine {
    static final long REGION_BASE = 8L << 30;
    static final long MIB = 1L << 20;

    final String name;
    final VmSpec spec;
    volatile VmState state = VmState.RUNNING;
    final List<VmEvent.Payload> events = new CopyOnWriteArrayList<>();
    final List<Integer> gedRaises = new CopyOnWriteArrayList<>();
    final Map<String, String> vault = new HashMap<>();
    final Backends backends = new Backends();
    /** Plugged regions by base; what vm.memory() reports. */
    final Map<Long, GuestRegion> regions = new LinkedHashMap<>();
    final long regionSize;
    final DeviceManagerImpl devices = new DeviceManagerImpl();
    MemHotplugService service;
    final Vm vm;
    /** The register handler of the last attach. */
    MmioDevice registers;

    FakeMachine(Map<String, String> options) {
        this.name = "vm1";
        this.spec = new VmSpec(name, "/boot/none", null, "", 1, 1, 512 * MIB, options);
        this.regionSize = MemHotplugSettings.of(spec).map(MemHotplugSettings::regionSize).orElse(0L);
        this.vm = (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> name;
                    case "spec" -> spec;
                    case "state" -> state;
                    case "memory" -> memory();
                    case "memoryBackends" -> backends;
                    case "vault" -> vaultView();
                    case "whileRunning" -> {
                        ((Runnable) args[0]).run();
                        yield null;
                    }
                    case "publish" -> {
                        events.add((VmEvent.Payload) args[0]);
                        yield null;
                    }
                    case "toString" -> "FakeMachine[" + name + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        newService();
    }

    static FakeMachine withRegion(String size, int slots) {
        return new FakeMachine(Map.of(MemHotplugSettings.HOTPLUG_MEMORY, size,
                MemHotplugSettings.MEMORY_SLOTS, Integer.toString(slots)));
    }

    /** A new service instance and driver, as after a bundle update. */
    void newService() {
        GedEvents ged = (vm, bit) -> gedRaises.add(bit);
        if (service != null) {
            devices.removeDriver(devices.driver(MemHotplugService.DRIVER).orElseThrow());
        }
        service = new MemHotplugService(ged, devices);
        devices.addDriver(new DimmDeviceDriver(service));
    }

    void attach() {
        service.attach(vm, attachment());
    }

    void detach() {
        service.detach(vm, attachment());
    }

    /** What a reset does to the machine: a new one (empty vault, no regions), attached again, a Reset event. */
    void reset() {
        vault.clear();
        regions.clear();
        attach();
        devices.machineBuilt(vm);
        devices.event(VmEvent.now(name, new VmEvent.Reset(false, "host-qmp-system-reset")));
    }

    private MachineAttachment attachment() {
        return new MachineAttachment() {
            @Override
            public void handleRegisters(MmioDevice handler) {
                registers = handler;
            }

            @Override
            public GuestAddress registerPage() {
                return GuestAddress.of(0xF000_2000L);
            }
        };
    }

    private StateVault vaultView() {
        return new StateVault() {
            @Override
            public void put(String key, String json) {
                vault.put(key, json);
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(vault.get(key));
            }

            @Override
            public void remove(String key) {
                vault.remove(key);
            }
        };
    }

    private VmMemory memory() {
        return (VmMemory) Proxy.newProxyInstance(VmMemory.class.getClassLoader(), new Class<?>[] {VmMemory.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "hotplugRegion" -> regionSize == 0 ? Optional.empty()
                            : Optional.of(new GuestRegion(GuestAddress.of(REGION_BASE), regionSize, 0, Optional.empty()));
                    case "regions" -> regions.values().stream()
                            .sorted(Comparator.comparingLong(region -> region.base().value())).toList();
                    case "plug" -> plug((GuestAddress) args[0], (MemoryBackend) args[1]);
                    case "unplug" -> {
                        GuestRegion region = (GuestRegion) args[0];
                        if (regions.remove(region.base().value()) == null) {
                            throw new VmException("no region at " + region.base());
                        }
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private GuestRegion plug(GuestAddress base, MemoryBackend backend) {
        for (GuestRegion region : regions.values()) {
            if (region.overlaps(base.value(), backend.size())) {
                throw new VmException("overlaps " + region);
            }
        }
        GuestRegion region = new GuestRegion(base, backend.size(), 0x7f00_0000_0000L, Optional.of(backend.id()));
        regions.put(base.value(), region);
        return region;
    }

    /** Memory backends as the core keeps them, enough for the driver. */
    static final class Backends implements MemoryBackends {
        record Backend(String id, String type, long size, Map<String, Object> properties, Optional<String> user)
                implements MemoryBackend {
        }

        final Map<String, Backend> byId = new LinkedHashMap<>();

        @Override
        public synchronized MemoryBackend create(String type, String id, Map<String, Object> properties) {
            if (byId.containsKey(id)) {
                throw new VmException("attempt to add duplicate property '" + id + "' to object (type 'container')");
            }
            long size = ((Number) properties.get("size")).longValue();
            Backend backend = new Backend(id, type, size, Map.copyOf(properties), Optional.empty());
            byId.put(id, backend);
            return backend;
        }

        @Override
        public synchronized void delete(String id) {
            Backend backend = byId.get(id);
            if (backend == null || backend.user().isPresent()) {
                throw new VmException("object '" + id + "' is missing or in use");
            }
            byId.remove(id);
        }

        @Override
        public synchronized Optional<MemoryBackend> find(String id) {
            return Optional.ofNullable(byId.get(id));
        }

        @Override
        public synchronized List<MemoryBackend> list() {
            return new ArrayList<>(byId.values());
        }

        @Override
        public synchronized MemoryBackend claim(String id, String user) {
            Backend backend = byId.get(id);
            if (backend == null) {
                throw new VmException("memory backend '" + id + "' not found");
            }
            if (backend.user().isPresent()) {
                throw new VmException("can't use already busy memdev: " + id);
            }
            Backend claimed = new Backend(id, backend.type(), backend.size(), backend.properties(), Optional.of(user));
            byId.put(id, claimed);
            return claimed;
        }

        @Override
        public synchronized void release(String id) {
            Backend backend = byId.get(id);
            if (backend != null) {
                byId.put(id, new Backend(id, backend.type(), backend.size(), backend.properties(), Optional.empty()));
            }
        }

        void ram(String id, long size) {
            create(RAM, id, Map.of("size", size));
        }
    }

    // The guest's side, as the AML drives the registers

    void write(int offset, long value, int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        registers.write(offset, data);
    }

    long read(int offset, int size) {
        byte[] data = new byte[size];
        registers.read(offset, data);
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (data[i] & 0xFFL) << (8 * i);
        }
        return value;
    }

    int status(int slot) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        return (int) read(MemControllerRegisters.FLAGS, 1);
    }

    /** MSCN: "insert N" / "remove N" for each slot with an event, clearing it. */
    List<String> scan(int slots) {
        List<String> found = new ArrayList<>();
        for (int slot = 0; slot < slots; slot++) {
            int flags = status(slot);
            if ((flags & MemControllerRegisters.FLAG_INSERT) != 0) {
                write(MemControllerRegisters.FLAGS, MemControllerRegisters.CONTROL_CLEAR_INSERT, 1);
                found.add("insert " + slot);
            } else if ((flags & MemControllerRegisters.FLAG_REMOVE) != 0) {
                write(MemControllerRegisters.FLAGS, MemControllerRegisters.CONTROL_CLEAR_REMOVE, 1);
                found.add("remove " + slot);
            }
        }
        return found;
    }

    /** MCRS: base and length of a slot. */
    long[] crs(int slot) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        return new long[] {read(MemControllerRegisters.BASE_LOW, 4) | read(MemControllerRegisters.BASE_HIGH, 4) << 32,
                read(MemControllerRegisters.LENGTH_LOW, 4) | read(MemControllerRegisters.LENGTH_HIGH, 4) << 32};
    }

    void ost(int slot, int event, int status) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        write(MemControllerRegisters.OST_EVENT, event, 4);
        write(MemControllerRegisters.OST_STATUS, status, 4);
    }

    void eject(int slot) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        write(MemControllerRegisters.FLAGS, MemControllerRegisters.CONTROL_EJECT, 1);
    }
}
