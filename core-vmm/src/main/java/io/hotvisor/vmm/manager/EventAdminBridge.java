package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * Posts VM events to Event Admin under {@code io/hotvisor/vm/QMP_NAME} (asynchronously). Java
 * handlers take the typed record from {@code event} (a {@link VmEvent}) or {@code payload}; the
 * QMP data is there too, flat and under {@code data}, for handlers that know no Hotvisor types.
 */
@Component(service = VmListener.class)
public final class EventAdminBridge implements VmListener {
    private final EventAdmin eventAdmin;

    @Activate
    public EventAdminBridge(@Reference EventAdmin eventAdmin) {
        this.eventAdmin = eventAdmin;
    }

    @Override
    public void event(VmEvent event) {
        Map<String, Object> properties = new HashMap<>(event.data());
        properties.put("vm", event.vm());
        properties.put("type", event.type());
        properties.put("timestamp", event.timestamp().toEpochMilli());
        properties.put("data", event.data());
        properties.put("event", event);
        properties.put("payload", event.payload());
        eventAdmin.postEvent(new Event(event.topic(), properties));
    }
}
