package io.hotvisor.qmp.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds a Gson tree from the tokens of one top-level value with QEMU 7.2's parser rules and
 * messages (qobject/json-parser.c): single-quoted strings, duplicate keys refused, strict
 * UTF-8, numbers kept as written (so an {@code id} is echoed verbatim).
 */
final class JsonParser {
    static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) {
            super("JSON parse error, " + message, null, false, false);
        }
    }

    private final List<JsonToken> tokens;
    private int next;

    private JsonParser(List<JsonToken> tokens) {
        this.tokens = tokens;
    }

    static JsonElement parse(List<JsonToken> tokens) throws ParseException {
        return new JsonParser(tokens).value();
    }

    private JsonToken peek() {
        return next < tokens.size() ? tokens.get(next) : null;
    }

    private JsonToken pop() throws ParseException {
        if (next >= tokens.size()) {
            throw new ParseException("premature EOI");
        }
        return tokens.get(next++);
    }

    private JsonElement value() throws ParseException {
        JsonToken token = peek();
        if (token == null) {
            throw new ParseException("premature EOI");
        }
        switch (token.type()) {
            case LCURLY:
                return object();
            case LSQUARE:
                return array();
            case INTEGER:
            case FLOAT:
                next++;
                return new JsonPrimitive(new JsonNumber(token.text()));
            case STRING:
                next++;
                return new JsonPrimitive(string(token.text()));
            case KEYWORD:
                next++;
                switch (token.text()) {
                    case "true":
                        return new JsonPrimitive(true);
                    case "false":
                        return new JsonPrimitive(false);
                    case "null":
                        return JsonNull.INSTANCE;
                    default:
                        throw new ParseException("invalid keyword '" + token.text() + "'");
                }
            default:
                throw new ParseException("expecting value");
        }
    }

    private JsonObject object() throws ParseException {
        pop(); // {
        JsonObject object = new JsonObject();
        JsonToken peek = peek();
        if (peek == null) {
            throw new ParseException("premature EOI");
        }
        if (peek.type() == JsonToken.Type.RCURLY) {
            pop();
            return object;
        }
        pair(object);
        JsonToken token = pop();
        while (token.type() != JsonToken.Type.RCURLY) {
            if (token.type() != JsonToken.Type.COMMA) {
                throw new ParseException("expected separator in dict");
            }
            pair(object);
            token = pop();
        }
        return object;
    }

    private void pair(JsonObject object) throws ParseException {
        if (peek() == null) {
            throw new ParseException("premature EOI");
        }
        JsonElement key = value();
        if (!key.isJsonPrimitive() || !key.getAsJsonPrimitive().isString()) {
            throw new ParseException("key is not a string in object");
        }
        JsonToken colon = pop();
        if (colon.type() != JsonToken.Type.COLON) {
            throw new ParseException("missing : in object pair");
        }
        JsonElement value = value();
        if (object.has(key.getAsString())) {
            throw new ParseException("duplicate key");
        }
        object.add(key.getAsString(), value);
    }

    private JsonArray array() throws ParseException {
        pop(); // [
        JsonArray array = new JsonArray();
        JsonToken peek = peek();
        if (peek == null) {
            throw new ParseException("premature EOI");
        }
        if (peek.type() == JsonToken.Type.RSQUARE) {
            pop();
            return array;
        }
        array.add(value());
        JsonToken token = pop();
        while (token.type() != JsonToken.Type.RSQUARE) {
            if (token.type() != JsonToken.Type.COMMA) {
                throw new ParseException("expected separator in list");
            }
            array.add(value());
            token = pop();
        }
        return array;
    }

    /** A string token (raw bytes as ISO-8859-1 chars, quotes included) decoded as QEMU does. */
    private static String string(String raw) throws ParseException {
        char quote = raw.charAt(0);
        StringBuilder out = new StringBuilder(raw.length());
        int end = raw.length() - 1; // the closing quote
        int i = 1;
        while (i < end) {
            char c = raw.charAt(i);
            if (c == '\\') {
                int begin = i;
                char escape = raw.charAt(i + 1);
                i += 2;
                switch (escape) {
                    case '"' -> out.append('"');
                    case '\'' -> out.append('\'');
                    case '\\' -> out.append('\\');
                    case '/' -> out.append('/');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        int cp = hex4(raw, i, end);
                        i += 4;
                        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < end && raw.charAt(i) == '\\' && raw.charAt(i + 1) == 'u') {
                            int trailing = hex4(raw, i + 2, end);
                            if (trailing >= 0xDC00 && trailing <= 0xDFFF) {
                                cp = 0x10000 + ((cp & 0x3FF) << 10) + (trailing & 0x3FF);
                                i += 6;
                            } else {
                                cp = -1;
                            }
                        }
                        if (!validCodePoint(cp)) {
                            throw new ParseException(printable(raw.substring(begin, Math.min(i, raw.length())))
                                    + " is not a valid Unicode character");
                        }
                        out.appendCodePoint(cp);
                    }
                    default -> throw new ParseException("invalid escape sequence in string");
                }
                continue;
            }
            // A run of plain bytes up to the next escape: strict UTF-8.
            int run = i;
            while (i < end && raw.charAt(i) != '\\') {
                i++;
            }
            String decoded = utf8(raw, run, i);
            if (decoded == null || !decoded.codePoints().allMatch(JsonParser::validCodePoint)) {
                throw new ParseException("invalid UTF-8 sequence in string");
            }
            out.append(decoded);
        }
        if (raw.charAt(end) != quote) {
            throw new ParseException("premature EOI");
        }
        return out.toString();
    }

    private static int hex4(String raw, int from, int end) {
        int cp = 0;
        for (int k = 0; k < 4; k++) {
            if (from + k >= end) {
                return -1;
            }
            int digit = Character.digit(raw.charAt(from + k), 16);
            if (digit < 0) {
                return -1;
            }
            cp = (cp << 4) | digit;
        }
        return cp;
    }

    /** QEMU's is_valid_codepoint: no surrogates, no noncharacters, at most U+10FFFF. */
    static boolean validCodePoint(int cp) {
        if (cp < 0 || cp > 0x10FFFF) {
            return false;
        }
        if ((cp & 0xFFFFF800) == 0xD800) {
            return false;
        }
        if (cp >= 0xFDD0 && cp <= 0xFDEF) {
            return false;
        }
        return (cp & 0xFFFE) != 0xFFFE;
    }

    private static String utf8(String raw, int from, int to) {
        byte[] bytes = raw.substring(from, to).getBytes(StandardCharsets.ISO_8859_1);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Raw token bytes as text for an error message (invalid UTF-8 becomes U+FFFD). */
    static String printable(String raw) {
        return new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
