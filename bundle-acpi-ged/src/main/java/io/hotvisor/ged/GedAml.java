package io.hotvisor.ged;

import static io.hotvisor.vmm.api.acpi.Asl.and;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.field;
import static io.hotvisor.vmm.api.acpi.Asl.ifThen;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.invoke;
import static io.hotvisor.vmm.api.acpi.Asl.lEqual;
import static io.hotvisor.vmm.api.acpi.Asl.local;
import static io.hotvisor.vmm.api.acpi.Asl.method;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.notifyDevice;
import static io.hotvisor.vmm.api.acpi.Asl.operationRegion;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.string;

import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MachineContribution.GedEvent;
import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.api.acpi.FieldAccess;
import io.hotvisor.vmm.api.acpi.FieldEntry;
import io.hotvisor.vmm.api.acpi.FieldLock;
import io.hotvisor.vmm.api.acpi.FieldUpdate;
import io.hotvisor.vmm.api.acpi.NamePath;
import io.hotvisor.vmm.api.acpi.RegionSpace;
import io.hotvisor.vmm.api.acpi.Resources;
import java.util.ArrayList;
import java.util.List;

/** The {@code \_SB.GED} device: ACPI0013, its interrupt, ESEL and an _EVT built from the registered events. */
final class GedAml {
    static final String POWER_BUTTON_DEVICE = "\\_SB.PWRB";
    private static final int NOTIFY_POWER_BUTTON = 0x80;

    private GedAml() {
    }

    static Aml gedDevice(GuestAddress esel, int gsi, List<GedEvent> events) {
        List<Aml> body = new ArrayList<>();
        Aml pending = local(0);
        body.add(store(NamePath.of("ESEL"), pending));
        for (GedEvent event : events) {
            body.add(ifThen(lEqual(and(pending, integer(event.bit())), integer(event.bit())),
                    invoke(event.scanMethod())));
        }
        body.add(ifThen(lEqual(and(pending, integer(GedEvents.POWER_BUTTON)), integer(GedEvents.POWER_BUTTON)),
                notifyDevice(NamePath.of(POWER_BUTTON_DEVICE), integer(NOTIFY_POWER_BUTTON))));
        return device("\\_SB.GED",
                name("_HID", string("ACPI0013")),
                name("_UID", integer(0)),
                name("_CRS", resourceTemplate(Resources.interrupt(Resources.Role.CONSUMER, Resources.Trigger.EDGE,
                        Resources.Polarity.ACTIVE_HIGH, Resources.Sharing.EXCLUSIVE, gsi))),
                operationRegion("EREG", RegionSpace.SYSTEM_MEMORY, integer(esel.value()), integer(GedDevice.ESEL_SIZE)),
                field("EREG", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                        FieldEntry.named("ESEL", 32)),
                method("_EVT", 1, true, body));
    }
}
