package io.hotvisor.memhotplug;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a pc-dimm device asks for: a backend by id ({@code memdev}) or, Hotvisor's extra, a size
 * for a RAM backend of its own; optionally its slot and address.
 */
record DimmRequest(String memdev, long size, OptionalInt slot, OptionalLong addr) {
}
