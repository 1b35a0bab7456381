package io.hotvisor.vmm.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a driver says about one of its plugged devices, for listings ({@code device:list}, HMP
 * {@code info usb}, {@code info memory-devices}, QMP's CPU queries).
 *
 * @param address where the device sits on its {@link DeviceDriver#bus()}: a PCI address
 *                ({@code 00:03.0}), a CPU index, a USB port, a DIMM slot; empty if it has none
 * @param facts   the rest, in the order a listing shows them (JSON-compatible values)
 */
public record DeviceDescription(String address, Map<String, Object> facts) {
    public static final DeviceDescription NONE = new DeviceDescription("", Map.of());

    public DeviceDescription {
        facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    }
}
