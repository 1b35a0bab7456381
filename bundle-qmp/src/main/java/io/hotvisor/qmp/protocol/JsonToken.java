package io.hotvisor.qmp.protocol;

/**
 * One lexical token of QMP input. {@code text} holds the token's raw bytes, one char per byte
 * (ISO-8859-1), so that strings can be checked as UTF-8 later exactly as QEMU does.
 */
record JsonToken(Type type, String text) {
    enum Type {
        LCURLY, RCURLY, LSQUARE, RSQUARE, COLON, COMMA, INTEGER, FLOAT, KEYWORD, STRING
    }
}
