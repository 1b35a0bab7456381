package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One PCI function as QEMU's {@code query-pci} describes it (its QAPI {@code PciDeviceInfo}), read
 * from the VM's bus: QMP prints it as JSON and HMP's {@code info pci} as text, so both say the
 * same. Hotvisor's functions all have a type 0 header, for which QEMU always reports the
 * subsystem ids.
 *
 * @param classCode     class and subclass ({@code 0x0600} for a host bridge), without the programming interface
 * @param interruptPin  1 = INTA# ... 4 = INTD#, 0 for none
 * @param interruptLine the interrupt line register (the GSI the core routes INTx to)
 * @param qdevId        the device manager's id of the device, empty for the machine's own functions
 */
public record PciFunction(PciAddress address, int classCode, int vendorId, int deviceId, int subsystemVendorId,
                          int subsystemId, int interruptPin, int interruptLine, String qdevId, List<Region> regions) {
    /**
     * A BAR and where it decodes.
     *
     * @param address the mapped address, or {@link #UNMAPPED} while the BAR does not decode
     */
    public record Region(PciBar bar, long address) {
        /** QEMU's address of a BAR that does not decode ({@code PCI_BAR_UNMAPPED}). */
        public static final long UNMAPPED = -1;

        public boolean io() {
            return bar.kind() == PciBar.Kind.IO;
        }

        public boolean memory64() {
            return bar.kind() == PciBar.Kind.MEMORY_64;
        }

        /** QEMU's {@code PciMemoryRegion}: {@code prefetch} and {@code mem_type_64} for memory only. */
        JsonObject toQmp() {
            JsonObject region = io() ? new JsonObject()
                    : Values.object("prefetch", bar.prefetchable(), "mem_type_64", memory64());
            region.addProperty("bar", bar.index());
            region.addProperty("size", bar.size());
            region.addProperty("address", address);
            region.addProperty("type", io() ? "io" : "memory");
            return region;
        }
    }

    public PciFunction {
        regions = List.copyOf(regions);
    }

    /** The functions on {@code bus}, by slot. */
    public static List<PciFunction> of(PciBus bus) {
        return bus.slots().stream().map(PciFunction::of).toList();
    }

    static PciFunction of(PciSlot slot) {
        PciConfiguration config = slot.device().configuration();
        List<Region> regions = config.bars().stream()
                .map(bar -> new Region(bar, slot.mappedAddress(bar.index()).orElse(Region.UNMAPPED)))
                .toList();
        return new PciFunction(slot.address(), config.getShort(PciConfiguration.CLASS_CODE + 1),
                config.getShort(PciConfiguration.VENDOR_ID), config.getShort(PciConfiguration.DEVICE_ID),
                config.getShort(PciConfiguration.SUBSYSTEM_VENDOR_ID), config.getShort(PciConfiguration.SUBSYSTEM_ID),
                config.getByte(PciConfiguration.INTERRUPT_PIN), config.getByte(PciConfiguration.INTERRUPT_LINE),
                slot.device().pluggedDeviceId().orElse(""), regions);
    }

    /** QEMU's name for the class, where it has one. */
    public Optional<String> classDescription() {
        return Optional.ofNullable(CLASS_DESCRIPTIONS.get(classCode));
    }

    /**
     * QEMU's {@code [PciInfo]}: per bus, its functions. Members are in the order QEMU 7.2 prints
     * them (its QDict's hash order), so that an answer reads as QEMU's would.
     */
    public static JsonArray toQmp(List<PciFunction> functions) {
        Map<Integer, List<PciFunction>> byBus = functions.stream()
                .collect(Collectors.groupingBy(function -> function.address().bus(), TreeMap::new, Collectors.toList()));
        JsonArray buses = new JsonArray();
        byBus.forEach((bus, onBus) -> {
            JsonArray devices = new JsonArray();
            onBus.forEach(function -> devices.add(function.toQmp()));
            buses.add(Values.object("bus", bus, "devices", devices));
        });
        return buses;
    }

    /** QEMU's {@code PciDeviceInfo}; {@code irq} only when the function has an interrupt pin. */
    JsonObject toQmp() {
        JsonObject info = Values.object("irq_pin", interruptPin, "bus", address.bus(), "qdev_id", qdevId);
        if (interruptPin != 0) {
            info.addProperty("irq", interruptLine);
        }
        JsonObject classInfo = Values.object("class", classCode);
        classDescription().ifPresent(description -> classInfo.addProperty("desc", description));
        info.addProperty("slot", address.slot());
        info.add("class_info", classInfo);
        info.add("id", Values.object("device", deviceId, "subsystem-vendor", subsystemVendorId, "vendor", vendorId,
                "subsystem", subsystemId));
        info.addProperty("function", address.function());
        info.add("regions", Values.array(regions.stream().map(Region::toQmp).toList()));
        return info;
    }

    /** QEMU's {@code pci_class_descriptions}: the classes it names; others print as a number. */
    private static final Map<Integer, String> CLASS_DESCRIPTIONS = Map.ofEntries(
            Map.entry(0x0001, "VGA controller"),
            Map.entry(0x0100, "SCSI controller"),
            Map.entry(0x0101, "IDE controller"),
            Map.entry(0x0102, "Floppy controller"),
            Map.entry(0x0103, "IPI controller"),
            Map.entry(0x0104, "RAID controller"),
            Map.entry(0x0106, "SATA controller"),
            Map.entry(0x0107, "SAS controller"),
            Map.entry(0x0180, "Storage controller"),
            Map.entry(0x0200, "Ethernet controller"),
            Map.entry(0x0201, "Token Ring controller"),
            Map.entry(0x0202, "FDDI controller"),
            Map.entry(0x0203, "ATM controller"),
            Map.entry(0x0280, "Network controller"),
            Map.entry(0x0300, "VGA controller"),
            Map.entry(0x0301, "XGA controller"),
            Map.entry(0x0302, "3D controller"),
            Map.entry(0x0380, "Display controller"),
            Map.entry(0x0400, "Video controller"),
            Map.entry(0x0401, "Audio controller"),
            Map.entry(0x0402, "Phone"),
            Map.entry(0x0403, "Audio controller"),
            Map.entry(0x0480, "Multimedia controller"),
            Map.entry(0x0500, "RAM controller"),
            Map.entry(0x0501, "Flash controller"),
            Map.entry(0x0580, "Memory controller"),
            Map.entry(0x0600, "Host bridge"),
            Map.entry(0x0601, "ISA bridge"),
            Map.entry(0x0602, "EISA bridge"),
            Map.entry(0x0603, "MC bridge"),
            Map.entry(0x0604, "PCI bridge"),
            Map.entry(0x0605, "PCMCIA bridge"),
            Map.entry(0x0606, "NUBUS bridge"),
            Map.entry(0x0607, "CARDBUS bridge"),
            Map.entry(0x0608, "RACEWAY bridge"),
            Map.entry(0x0680, "Bridge"),
            Map.entry(0x0700, "Serial port"),
            Map.entry(0x0701, "Parallel port"),
            Map.entry(0x0800, "Interrupt controller"),
            Map.entry(0x0801, "DMA controller"),
            Map.entry(0x0802, "Timer"),
            Map.entry(0x0803, "RTC"),
            Map.entry(0x0900, "Keyboard"),
            Map.entry(0x0901, "Pen"),
            Map.entry(0x0902, "Mouse"),
            Map.entry(0x0A00, "Dock station"),
            Map.entry(0x0B00, "i386 cpu"),
            Map.entry(0x0C00, "Firewire controller"),
            Map.entry(0x0C01, "Access bus controller"),
            Map.entry(0x0C02, "SSA controller"),
            Map.entry(0x0C03, "USB controller"),
            Map.entry(0x0C04, "Fibre channel controller"),
            Map.entry(0x0C05, "SMBus"));
}
