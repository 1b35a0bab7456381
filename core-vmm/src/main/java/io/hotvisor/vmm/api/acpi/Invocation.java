package io.hotvisor.vmm.api.acpi;

import java.util.List;

/** A method call: the method's name followed by its arguments (the callee's definition gives their count). */
record Invocation(NamePath method, List<Aml> arguments) implements Aml {
    Invocation {
        arguments = List.copyOf(arguments);
        if (arguments.size() > Asl.MAX_METHOD_ARGS) {
            throw new IllegalArgumentException("method " + method + " called with " + arguments.size()
                    + " arguments; AML methods take at most " + Asl.MAX_METHOD_ARGS);
        }
    }

    @Override
    public void encodeTo(AmlWriter out) {
        out.write(method).writeAll(arguments);
    }
}
