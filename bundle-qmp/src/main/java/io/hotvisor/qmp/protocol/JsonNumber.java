package io.hotvisor.qmp.protocol;

import java.math.BigDecimal;

/** A JSON number kept as written, so that it is echoed verbatim (an {@code id}, say). */
final class JsonNumber extends Number {
    private static final long serialVersionUID = 1L;
    private final String text;

    JsonNumber(String text) {
        this.text = text;
    }

    private BigDecimal value() {
        return new BigDecimal(text);
    }

    @Override
    public int intValue() {
        return value().intValue();
    }

    @Override
    public long longValue() {
        return value().longValue();
    }

    @Override
    public float floatValue() {
        return Float.parseFloat(text);
    }

    @Override
    public double doubleValue() {
        return Double.parseDouble(text);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonNumber number && number.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
