package io.hotvisor.ged;

import com.google.gson.Gson;
import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.Vm;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * The ACPI Generic Event Device capability: gives every VM a {@code \_SB.GED} whose {@code _EVT}
 * calls the scan method each controller registered for its bit, plus the power button. Other
 * capabilities raise their bits through the {@link GedEvents} service, never through this bundle.
 */
@Component(service = {MachineCapability.class, GedEvents.class})
public final class AcpiGed implements MachineCapability, GedEvents {
    public static final String NAME = GedEvents.CAPABILITY;
    /** The GED's interrupt: IOAPIC pin 5, edge, active high (not 0, 2, 4 or 8: PIT, cascade, COM1, RTC). */
    public static final int GSI = 5;
    /** DESIGN.md §4: the GED's register page is the first of the platform area. */
    static final long REGISTER_PAGE_OFFSET = 0x0000;
    private static final String VAULT_KEY = NAME;
    private static final int STATE_VERSION = 1;
    private static final Gson GSON = new Gson();

    private final Map<String, GedDevice> devices = new ConcurrentHashMap<>();

    /** What survives a bundle update: the bits the guest has not read yet. */
    record State(int version, int pending) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int contributionOrder() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void contribute(Vm vm, MachineContribution contribution) {
        List<MachineContribution.GedEvent> events = contribution.gedEvents();
        contribution.dsdt(List.of(GedAml.gedDevice(contribution.registerPage(NAME, REGISTER_PAGE_OFFSET), GSI, events)));
    }

    @Override
    public void attach(Vm vm, MachineAttachment attachment) {
        int pending = vm.vault().get(VAULT_KEY).map(json -> GSON.fromJson(json, State.class).pending()).orElse(0);
        GedDevice device = new GedDevice(vm.interruptLine(GSI), pending);
        devices.put(vm.name(), device);
        attachment.handleRegisters(device);
    }

    @Override
    public void detach(Vm vm, MachineAttachment attachment) {
        GedDevice device = devices.remove(vm.name());
        if (device != null) {
            vm.vault().put(VAULT_KEY, GSON.toJson(new State(STATE_VERSION, device.pending())));
        }
    }

    @Override
    public void raise(Vm vm, int bit) {
        GedDevice device = devices.get(vm.name());
        if (device == null) {
            throw new CapabilityMissingException(NAME);
        }
        device.raise(bit);
    }
}
