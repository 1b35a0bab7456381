package io.hotvisor.vmm.api;

import java.util.Locale;

/** QEMU's boolean property values: on/off, true/false, yes/no, whatever the case. */
public final class OnOff {
    private OnOff() {
    }

    /**
     * {@code value} as a boolean, {@code fallback} when it is null; any other word fails with a
     * one-line {@link VmException} naming {@code property} ("driver.key"), as QEMU words it.
     */
    public static boolean parse(String property, Object value, boolean fallback) {
        if (value == null) {
            return fallback;
        }
        return switch (value.toString().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new VmException("Parameter '" + property + "' expects 'on' or 'off', not '" + value + "'");
        };
    }
}
