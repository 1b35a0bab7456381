package io.hotvisor.memhotplug;

/** A plugged DIMM and its state, for listings. */
public record DimmStatus(Dimm dimm, DimmState state) {
}
