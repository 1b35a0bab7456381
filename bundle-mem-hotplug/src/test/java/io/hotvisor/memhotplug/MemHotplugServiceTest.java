package io.hotvisor.memhotplug;

import static io.hotvisor.memhotplug.FakeMachine.MIB;
import static io.hotvisor.memhotplug.FakeMachine.REGION_BASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The service and the pc-dimm driver on a VM without KVM, through the real device manager. */
class MemHotplugServiceTest {
    private final FakeMachine machine = FakeMachine.withRegion("1G", 4);

    MemHotplugServiceTest() {
        machine.attach();
    }

    private PluggedDevice add(String id, Map<String, Object> properties) {
        return machine.devices.add(machine.vm, MemHotplugService.DRIVER, id, properties);
    }

    private List<DimmState> states() {
        return machine.service.list(machine.vm).stream().map(DimmStatus::state).toList();
    }

    private void assertNothingLeft() {
        assertThat(machine.regions).isEmpty();
        assertThat(machine.devices.list(machine.vm)).isEmpty();
        assertThat(machine.backends.list()).allSatisfy(backend -> assertThat(backend.user()).isEmpty());
        assertThat(machine.backends.list()).noneMatch(backend -> backend.id().startsWith("d"));
        assertThat(machine.service.list(machine.vm)).isEmpty();
    }

    @Test
    void hotAddMapsTheMemoryAndTellsTheGuest() {
        add("d1", Map.of("size", "256M"));
        assertThat(machine.regions).containsOnlyKeys(REGION_BASE);
        assertThat(machine.backends.find("d1")).map(backend -> backend.user().orElseThrow()).contains("d1");
        assertThat(machine.gedRaises).containsExactly(GedEvents.MEMORY);
        assertThat(states()).containsExactly(DimmState.PENDING_ADD);
        assertThat(machine.scan(4)).containsExactly("insert 0");
        assertThat(machine.crs(0)).containsExactly(REGION_BASE, 256 * MIB);
        assertThat(states()).containsExactly(DimmState.PRESENT);

        machine.backends.ram("m1", 512 * MIB);
        add("d2", Map.of("memdev", "m1", "slot", "3", "addr", String.format("0x%x", REGION_BASE + 512 * MIB)));
        assertThat(machine.crs(3)).containsExactly(REGION_BASE + 512 * MIB, 512 * MIB);
        PluggedDevice d2 = machine.devices.find(machine.vm, "d2").orElseThrow();
        DeviceDescription description = machine.devices.describe(machine.vm, d2);
        assertThat(description.address()).isEqualTo("3");
        assertThat(description.facts()).containsExactly(Map.entry("kind", "dimm"),
                Map.entry("addr", REGION_BASE + 512 * MIB), Map.entry("slot", 3), Map.entry("node", 0),
                Map.entry("size", 512 * MIB), Map.entry("memdev", "/objects/m1"), Map.entry("hotplugged", true),
                Map.entry("hotpluggable", true));
    }

    @Test
    void refusalsSayWhatIsWrongAndLeaveNothingBehind() {
        machine.backends.ram("m1", 256 * MIB);
        machine.backends.ram("odd", 100 * MIB);
        assertThatThrownBy(() -> add("d1", Map.of("size", "100M"))).hasMessage("size 100M is not a multiple of 128M");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "odd"))).hasMessage("size 100M is not a multiple of 128M");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "nope"))).hasMessage("memory backend 'nope' not found");
        assertThatThrownBy(() -> add("d1", Map.of("size", "128M", "addr", REGION_BASE + MIB)))
                .hasMessageContaining("is not aligned to 128M");
        assertThatThrownBy(() -> add("d1", Map.of("size", "256M", "addr", REGION_BASE + 896 * MIB)))
                .hasMessageContaining("outside the hotplug region");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "m1", "node", 1))).hasMessageContaining("node must be 0");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "m1", "size", "256M"))).hasMessageContaining("not both");
        assertThatThrownBy(() -> add("d1", Map.of())).hasMessageContaining("'memdev' property is not set");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "m1", "bogus", 1)))
                .hasMessage("Property 'pc-dimm.bogus' not found");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "m1", "slot", 4))).hasMessageContaining("beyond memory-slots");
        assertThatThrownBy(() -> add("d1", Map.of("memdev", "m1", "addr", "here"))).hasMessageContaining("addr");
        assertNothingLeft();

        add("d1", Map.of("memdev", "m1"));
        assertThatThrownBy(() -> add("d2", Map.of("memdev", "m1"))).hasMessage("can't use already busy memdev: m1");
        assertThat(machine.backends.find("m1").orElseThrow().user()).contains("d1");
    }

    @Test
    void aSizeOnlyDimmLeavesABackendOfTheSameIdAlone() {
        machine.backends.ram("d1", 128 * MIB);
        assertThatThrownBy(() -> add("d1", Map.of("size", "128M"))).hasMessageContaining("duplicate");
        assertThat(machine.backends.find("d1")).isPresent();
        assertThat(machine.service.list(machine.vm)).isEmpty();
        assertThat(machine.regions).isEmpty();
    }

    @Test
    void aFullRegionOrSlotTableIsRefused() {
        add("d1", Map.of("size", "256M"));
        add("d2", Map.of("size", "256M"));
        add("d3", Map.of("size", "384M"));
        assertThatThrownBy(() -> add("d4", Map.of("size", "256M"))).hasMessage(String.format(
                "the hotplug region has no room for 256M: 128M left, the largest free range is 128M at 0x%x",
                REGION_BASE + 896 * MIB));
        add("d4", Map.of("size", "128M"));
        assertThatThrownBy(() -> add("d5", Map.of("size", "128M"))).hasMessage("all 4 memory slots are used (memory-slots)");
        assertThat(machine.backends.find("d5")).isEmpty();
    }

    @Test
    void aVmWithoutHotplugRegionNamesTheOption() {
        FakeMachine plain = new FakeMachine(Map.of());
        plain.attach();
        assertThatThrownBy(() -> plain.devices.add(plain.vm, MemHotplugService.DRIVER, "d1", Map.of("size", "128M")))
                .hasMessage("vm1 has no memory hotplug region: create it with --hotplug-memory SIZE"
                        + " (hotplug-memory in its .cfg)");
    }

    @Test
    void removalWaitsForTheGuestsEject() {
        add("d1", Map.of("size", "256M"));
        machine.scan(4);
        machine.devices.remove(machine.vm, "d1");
        assertThatThrownBy(() -> machine.devices.remove(machine.vm, "d1")).hasMessageContaining("already");
        assertThat(states()).containsExactly(DimmState.PENDING_REMOVE);
        assertThat(machine.scan(4)).containsExactly("remove 0");
        machine.ost(0, MemControllerRegisters.OST_EJECT_REQUEST, MemControllerRegisters.OST_EJECT_IN_PROGRESS);
        assertThat(machine.regions).isNotEmpty();
        machine.eject(0);
        assertNothingLeft();
        assertThat(machine.events).contains(new VmEvent.DeviceDeleted("d1", "/machine/peripheral/d1"));
        assertThat(machine.events).first().isEqualTo(new VmEvent.AcpiDeviceOst(
                new VmEvent.OstInfo("d1", "0", "DIMM", 3, 0x84)));
    }

    @Test
    void aBackendNamedByMemdevOutlivesItsDimm() {
        machine.backends.ram("m1", 128 * MIB);
        add("d1", Map.of("memdev", "m1"));
        machine.devices.remove(machine.vm, "d1");
        machine.eject(0);
        assertThat(machine.backends.find("m1").orElseThrow().user()).isEmpty();
        add("d2", Map.of("memdev", "m1"));
    }

    @Test
    void aRefusedRemovalKeepsTheDimmPluggedAndUsable() {
        add("d1", Map.of("size", "256M"));
        machine.scan(4);
        machine.devices.remove(machine.vm, "d1");
        machine.ost(0, MemControllerRegisters.OST_EJECT_REQUEST, 0x81);
        assertThat(machine.events).contains(new VmEvent.AcpiDeviceOst(new VmEvent.OstInfo("d1", "0", "DIMM", 3, 0x81)));
        assertThat(machine.devices.find(machine.vm, "d1").orElseThrow().state()).isEqualTo(PluggedDevice.State.PRESENT);
        assertThat(states()).containsExactly(DimmState.FAILED_REMOVE);
        assertThat(machine.regions).hasSize(1);
        machine.eject(0); // not asked any more
        assertThat(machine.regions).hasSize(1);
        machine.devices.remove(machine.vm, "d1"); // a later removal may try again
        machine.eject(0);
        assertNothingLeft();
    }

    @Test
    void aBundleUpdateKeepsAPluggedDimmAndAPendingRemoval() {
        add("d1", Map.of("size", "256M"));
        add("d2", Map.of("size", "128M"));
        machine.scan(4);
        machine.devices.remove(machine.vm, "d2");
        machine.detach();
        assertThat(machine.vault).containsKey(MemHotplugService.CAPABILITY);
        machine.newService();
        machine.attach();
        assertThat(states()).containsExactly(DimmState.PRESENT, DimmState.PENDING_REMOVE);
        assertThat(machine.status(1) & MemControllerRegisters.FLAG_REMOVE).isNotZero();
        machine.eject(1);
        assertThat(machine.devices.find(machine.vm, "d2")).isEmpty();
        assertThat(machine.regions).containsOnlyKeys(REGION_BASE);
        assertThat(machine.service.list(machine.vm)).extracting(status -> status.dimm().device()).containsExactly("d1");
    }

    @Test
    void aResetKeepsTheDimmsPresentFromBoot() {
        add("d1", Map.of("size", "256M"));
        add("d2", Map.of("size", "128M"));
        machine.scan(4);
        machine.devices.remove(machine.vm, "d2");
        machine.gedRaises.clear();
        machine.reset();
        assertThat(machine.regions).containsOnlyKeys(REGION_BASE, REGION_BASE + 256 * MIB);
        assertThat(machine.status(0)).isEqualTo(MemControllerRegisters.FLAG_ENABLED); // found at boot, no event
        assertThat(machine.status(1)).isEqualTo(MemControllerRegisters.FLAG_ENABLED); // the removal went with the machine
        assertThat(states()).containsExactly(DimmState.PRESENT, DimmState.PRESENT);
        assertThat(machine.gedRaises).isEmpty();
        assertThat(machine.devices.list(machine.vm)).extracting(PluggedDevice::state)
                .containsOnly(PluggedDevice.State.PRESENT);
    }

    @Test
    void bootDimmsArePresentWithoutAnEventAndSurviveResets() {
        FakeMachine boot = new FakeMachine(Map.of(MemHotplugSettings.HOTPLUG_MEMORY, "1G",
                "device.0", "pc-dimm,id=b1,size=256M"));
        boot.state = VmState.CREATED;
        boot.attach();
        boot.devices.machineBuilt(boot.vm);
        boot.state = VmState.RUNNING;
        assertThat(boot.gedRaises).isEmpty();
        assertThat(boot.status(0)).isEqualTo(MemControllerRegisters.FLAG_ENABLED);
        boot.reset();
        assertThat(boot.regions).containsOnlyKeys(REGION_BASE);
        assertThat(boot.service.list(boot.vm)).hasSize(1);
        PluggedDevice b1 = boot.devices.find(boot.vm, "b1").orElseThrow();
        assertThat(boot.devices.describe(boot.vm, b1).facts()).containsEntry("hotplugged", false);
    }

    @Test
    void aStoppedVmForgetsItsDimms() {
        add("d1", Map.of("size", "256M"));
        machine.state = VmState.STOPPED;
        machine.service.stateChanged(machine.vm, VmState.RUNNING, VmState.STOPPED);
        machine.devices.stateChanged(machine.vm, VmState.RUNNING, VmState.STOPPED);
        machine.state = VmState.RUNNING;
        machine.reset(); // a new machine, as a start builds
        assertThat(machine.regions).isEmpty();
        assertThat(machine.service.list(machine.vm)).isEmpty();
    }

    @Test
    void aControllerLeftFromAStopNobodyReportedIsForgotten() {
        add("d1", Map.of("size", "256M"));
        machine.devices.stateChanged(machine.vm, VmState.RUNNING, VmState.STOPPED); // the service did not hear
        machine.reset();
        assertThat(machine.regions).isEmpty();
        assertThat(machine.service.list(machine.vm)).isEmpty();
    }

    @Test
    void settingsAreCheckedWhenTheMachineIsBuilt() {
        assertThat(MemHotplugSettings.of(FakeMachine.withRegion("2G", 16).spec))
                .contains(new MemHotplugSettings(2L << 30, 16));
        assertThat(MemHotplugSettings.of(new FakeMachine(Map.of(MemHotplugSettings.HOTPLUG_MEMORY, "1G")).spec)
                .map(MemHotplugSettings::slots)).isEqualTo(Optional.of(8));
        assertThatThrownBy(() -> FakeMachine.withRegion("100M", 8))
                .hasMessage("vm1: option hotplug-memory=100M must be a positive multiple of 128M");
        assertThatThrownBy(() -> FakeMachine.withRegion("lots", 8)).hasMessageContaining("option hotplug-memory");
        assertThatThrownBy(() -> FakeMachine.withRegion("1G", 0)).hasMessage("vm1: option memory-slots=0 must be a number from 1 to 256");
        assertThatThrownBy(() -> FakeMachine.withRegion("1G", 257)).hasMessageContaining("option memory-slots=257");
        assertThatThrownBy(() -> new FakeMachine(Map.of(MemHotplugSettings.MEMORY_SLOTS, "4")))
                .hasMessage("vm1: option memory-slots needs hotplug-memory");
    }
}
