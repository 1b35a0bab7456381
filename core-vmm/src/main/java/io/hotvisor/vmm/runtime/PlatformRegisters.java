package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.arch.Layout;
import io.hotvisor.vmm.devices.IoBus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The platform register area (DESIGN.md §4): one page per capability, at the offset the
 * capability brings from the layout, or for others from +0x10000 in the order they ask.
 */
final class PlatformRegisters {
    static final long PAGE = 0x1000;
    static final long FIRST_DYNAMIC_OFFSET = 0x10000;

    private final IoBus<MmioDevice> mmio;
    private final Map<String, GuestAddress> addresses = new LinkedHashMap<>();
    private final Map<String, RegisterPage> pages = new LinkedHashMap<>();
    private long nextDynamicOffset = FIRST_DYNAMIC_OFFSET;

    PlatformRegisters(IoBus<MmioDevice> mmio) {
        this.mmio = mmio;
    }

    /** The page of a capability without a place in DESIGN.md §4, mapped on first request from +0x10000 on. */
    synchronized GuestAddress page(String capability) {
        GuestAddress address = addresses.get(capability);
        if (address != null) {
            return address;
        }
        if (nextDynamicOffset + PAGE > Layout.PLATFORM_DEVICES_SIZE) {
            throw new IllegalStateException("platform register area is full");
        }
        address = map(capability, nextDynamicOffset);
        nextDynamicOffset += PAGE;
        return address;
    }

    /** The page of a capability at the offset DESIGN.md §4 gives it (below +0x10000), mapped on first request. */
    synchronized GuestAddress page(String capability, long offset) {
        GuestAddress address = addresses.get(capability);
        if (address != null) {
            return address;
        }
        if (offset < 0 || offset % PAGE != 0 || offset >= FIRST_DYNAMIC_OFFSET) {
            throw new IllegalArgumentException(String.format(
                    "%s: register page offset 0x%x must be page aligned and below 0x%x", capability, offset,
                    FIRST_DYNAMIC_OFFSET));
        }
        return map(capability, offset);
    }

    private GuestAddress map(String capability, long offset) {
        GuestAddress address = GuestAddress.of(Layout.PLATFORM_DEVICES_START + offset);
        RegisterPage page = new RegisterPage(capability);
        mmio.register(address.value(), PAGE, page); // fails when another capability holds that offset
        addresses.put(capability, address);
        pages.put(capability, page);
        return address;
    }

    synchronized Optional<RegisterPage> registered(String capability) {
        return Optional.ofNullable(pages.get(capability));
    }
}
