package io.hotvisor.vmm.command.support;

import io.hotvisor.vmm.api.VmException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Option;

/**
 * Karaf stops reading options at the first argument, but operators write
 * {@code vm:create NAME --kernel FILE} as with virsh and QEMU. Commands collect what follows
 * their arguments and hand it here, where it is matched against their own {@link Option} fields.
 */
public final class TrailingOptions {
    private TrailingOptions() {
    }

    public static void apply(Object action, List<String> tokens) {
        if (tokens == null) {
            return;
        }
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            Field field = optionField(action.getClass(), token);
            try {
                if (field.getType() == boolean.class) {
                    field.setBoolean(action, true);
                } else if (i + 1 >= tokens.size()) {
                    throw new VmException("option " + token + " needs a value");
                } else {
                    String value = tokens.get(++i);
                    if (field.getType() == List.class) {
                        @SuppressWarnings("unchecked")
                        List<String> values = (List<String>) field.get(action);
                        List<String> more = values == null ? new ArrayList<>() : new ArrayList<>(values);
                        more.add(value);
                        field.set(action, more);
                    } else {
                        field.set(action, field.getType() == int.class ? parseInt(token, value) : value);
                    }
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static int parseInt(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new VmException("option " + option + ": '" + value + "' is not a number");
        }
    }

    private static Field optionField(Class<?> type, String token) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                Option option = field.getAnnotation(Option.class);
                if (option != null && (option.name().equals(token) || List.of(option.aliases()).contains(token))) {
                    field.setAccessible(true);
                    return field;
                }
            }
        }
        throw new VmException("unknown option '" + token + "'");
    }
}
