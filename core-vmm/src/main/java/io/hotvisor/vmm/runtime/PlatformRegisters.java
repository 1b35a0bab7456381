package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.arch.Layout;
import io.hotvisor.vmm.devices.IoBus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The platform register area (DESIGN.md §4): one page per capability, the well-known ones at
 * fixed offsets, further ones from +0x10000 in the order they ask.
 */
final class PlatformRegisters {
    static final long PAGE = 0x1000;
    static final long FIRST_DYNAMIC_OFFSET = 0x10000;
    private static final Map<String, Long> FIXED_OFFSETS = Map.of(
            "acpi-ged", 0x0000L,
            "cpu-hotplug", 0x1000L,
            "mem-hotplug", 0x2000L,
            "pci-hotplug", 0x3000L);

    private final IoBus<MmioDevice> mmio;
    private final Map<String, GuestAddress> addresses = new LinkedHashMap<>();
    private final Map<String, RegisterPage> pages = new LinkedHashMap<>();
    private long nextDynamicOffset = FIRST_DYNAMIC_OFFSET;

    PlatformRegisters(IoBus<MmioDevice> mmio) {
        this.mmio = mmio;
    }

    /** The page of a capability, mapped on first request. */
    synchronized GuestAddress page(String capability) {
        GuestAddress address = addresses.get(capability);
        if (address == null) {
            Long fixed = FIXED_OFFSETS.get(capability);
            long offset = fixed != null ? fixed : nextDynamicOffset;
            if (fixed == null) {
                nextDynamicOffset += PAGE;
            }
            if (offset + PAGE > Layout.PLATFORM_DEVICES_SIZE) {
                throw new IllegalStateException("platform register area is full");
            }
            address = GuestAddress.of(Layout.PLATFORM_DEVICES_START + offset);
            RegisterPage page = new RegisterPage(capability);
            mmio.register(address.value(), PAGE, page);
            addresses.put(capability, address);
            pages.put(capability, page);
        }
        return address;
    }

    synchronized Optional<RegisterPage> registered(String capability) {
        return Optional.ofNullable(pages.get(capability));
    }
}
