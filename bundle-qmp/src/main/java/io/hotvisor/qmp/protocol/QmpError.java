package io.hotvisor.qmp.protocol;

import com.google.gson.JsonObject;

/** A command failed: answered as {@code {"error": {"class": ..., "desc": ...}}}. */
public final class QmpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorClass errorClass;

    public QmpError(ErrorClass errorClass, String description) {
        super(description, null, false, false);
        this.errorClass = errorClass;
    }

    public static QmpError generic(String description) {
        return new QmpError(ErrorClass.GenericError, description);
    }

    /** A capability bundle that is not installed, named in QMP's words. */
    public static QmpError notSupported(String what, String capability) {
        return generic("not supported: " + what + " (capability " + capability + ") is not installed");
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    public JsonObject toResponse() {
        JsonObject error = new JsonObject();
        error.addProperty("class", errorClass.name());
        error.addProperty("desc", getMessage());
        JsonObject response = new JsonObject();
        response.add("error", error);
        return response;
    }
}
