package io.hotvisor.qmp.protocol;

import com.google.gson.JsonElement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a QMP byte stream into JSON values the way QEMU 7.2 does (qobject/json-lexer.c and
 * json-streamer.c), so that garbage gets the same answers and the same recovery:
 * <ul>
 * <li>a lexer state machine per byte: strings in double or single quotes (with escapes),
 *     numbers, lowercase keywords, structural characters, whitespace. A byte no state accepts is
 *     a lexical error: it yields "JSON parse error, stray '...'" and the lexer skips input until a
 *     structural character ({@code { } [ ] : ,}), a control character or 0xFE/0xFF;</li>
 * <li>a streamer that counts braces and brackets and hands the tokens to {@link JsonParser} once
 *     they balance (or go negative), so every top-level value, valid or not, gets one answer;</li>
 * <li>limits on the size, token count and nesting of one value (smaller than QEMU's 64 MiB / 2M
 *     tokens; the same 1024 levels). Buffers that grew for a large message shrink back once it is
 *     consumed, so that one 4 MiB message does not cost its connection 8 MiB for good.</li>
 * </ul>
 * Not thread-safe: one instance per connection.
 */
public final class JsonStreamer {
    /** What the streamer produces: a value, or the error that stands in for one. */
    public interface Listener {
        void value(JsonElement value);

        void error(String description);
    }

    static final int MAX_MESSAGE_BYTES = 4 << 20;
    static final int MAX_TOKENS = 64 * 1024;
    static final int MAX_NESTING = 1024;
    /** Buffers grown past these for one large message are let go once it is done. */
    private static final int RETAINED_TOKEN_BYTES = 4096;
    private static final int RETAINED_TOKENS = 1024;
    private static final int INITIAL_TOKEN_BYTES = 64;

    // Lexer states; the token types double as terminal states.
    private static final int ERROR = 0;
    private static final int RECOVERY = 1;
    private static final int DQ_STRING = 2;
    private static final int DQ_ESCAPE = 3;
    private static final int SQ_STRING = 4;
    private static final int SQ_ESCAPE = 5;
    private static final int ZERO = 6;
    private static final int NONZERO = 7;
    private static final int NEGATIVE = 8;
    private static final int MANTISSA = 9;
    private static final int MANTISSA_DIGITS = 10;
    private static final int EXP_E = 11;
    private static final int EXP_SIGN = 12;
    private static final int EXP_DIGITS = 13;
    private static final int KEYWORD = 14;
    private static final int START = 15;
    private static final int TOKEN = 100; // + JsonToken.Type ordinal
    /** The byte is not consumed: it is looked at again in the next state. */
    private static final int LOOKAHEAD = 0x1000;

    private static final JsonToken.Type[] TYPES = JsonToken.Type.values();

    private final Listener listener;
    private int state = START;
    private byte[] token = new byte[INITIAL_TOKEN_BYTES];
    private int tokenLength;

    private List<JsonToken> tokens = new ArrayList<>();
    private long queuedBytes;
    private int braces;
    private int brackets;

    public JsonStreamer(Listener listener) {
        this.listener = listener;
    }

    public void feed(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            feed(bytes[i] & 0xFF);
        }
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    /** The bytes this streamer's token buffer holds on to between messages. */
    int retainedBytes() {
        return token.length;
    }

    private void feed(int ch) {
        boolean consumed = false;
        while (!consumed) {
            int next = next(state, ch);
            consumed = (next & LOOKAHEAD) == 0;
            next &= ~LOOKAHEAD;
            if (consumed) {
                append(ch);
            }
            if (next >= TOKEN) {
                token(TYPES[next - TOKEN], new String(token, 0, tokenLength, StandardCharsets.ISO_8859_1));
                clearToken();
                next = START;
            } else if (next == START) {
                clearToken();
            } else if (next == ERROR) {
                error(new String(token, 0, tokenLength, StandardCharsets.ISO_8859_1));
                clearToken();
                next = RECOVERY;
            } else if (next == RECOVERY) {
                clearToken();
            }
            state = next;
        }
        if (tokenLength > MAX_MESSAGE_BYTES) {
            // One token larger than a whole message may be: give up on it and resynchronise.
            clearToken();
            state = RECOVERY;
            emitError("JSON token size limit exceeded");
        }
    }

    /**
     * End of input (QEMU's json_message_parser_flush): an unterminated string is an error, and
     * tokens still waiting for their closing brackets are parsed as they are.
     */
    public void flush() {
        feed('\n');
        if (state != START && state != RECOVERY) {
            error(new String(token, 0, tokenLength, StandardCharsets.ISO_8859_1));
        }
        clearToken();
        state = START;
        if (!tokens.isEmpty()) {
            emitQueuedValue();
        }
    }

    private void clearToken() {
        tokenLength = 0;
        if (token.length > RETAINED_TOKEN_BYTES) {
            token = new byte[INITIAL_TOKEN_BYTES];
        }
    }

    private void append(int ch) {
        if (tokenLength == token.length) {
            token = Arrays.copyOf(token, token.length * 2);
        }
        token[tokenLength++] = (byte) ch;
    }

    private static boolean digit(int ch) {
        return ch >= '0' && ch <= '9';
    }

    private static int next(int state, int ch) {
        switch (state) {
            case START:
                switch (ch) {
                    case '"':
                        return DQ_STRING;
                    case '\'':
                        return SQ_STRING;
                    case '0':
                        return ZERO;
                    case '-':
                        return NEGATIVE;
                    case '{':
                        return TOKEN + JsonToken.Type.LCURLY.ordinal();
                    case '}':
                        return TOKEN + JsonToken.Type.RCURLY.ordinal();
                    case '[':
                        return TOKEN + JsonToken.Type.LSQUARE.ordinal();
                    case ']':
                        return TOKEN + JsonToken.Type.RSQUARE.ordinal();
                    case ',':
                        return TOKEN + JsonToken.Type.COMMA.ordinal();
                    case ':':
                        return TOKEN + JsonToken.Type.COLON.ordinal();
                    case ' ':
                    case '\t':
                    case '\r':
                    case '\n':
                        return START;
                    default:
                        if (ch >= '1' && ch <= '9') {
                            return NONZERO;
                        }
                        if (ch >= 'a' && ch <= 'z') {
                            return KEYWORD;
                        }
                        return ERROR;
                }
            case RECOVERY:
                if ((ch < 0x20 && ch != '\t') || ch >= 0xFE
                        || ch == '[' || ch == ']' || ch == '{' || ch == '}' || ch == ':' || ch == ',') {
                    return START | LOOKAHEAD;
                }
                return RECOVERY;
            case DQ_STRING:
            case SQ_STRING:
                if (ch < 0x20 || ch > 0xFD) {
                    return ERROR;
                }
                if (ch == '\\') {
                    return state == DQ_STRING ? DQ_ESCAPE : SQ_ESCAPE;
                }
                if (ch == (state == DQ_STRING ? '"' : '\'')) {
                    return TOKEN + JsonToken.Type.STRING.ordinal();
                }
                return state;
            case DQ_ESCAPE:
                return ch < 0x20 || ch > 0xFD ? ERROR : DQ_STRING;
            case SQ_ESCAPE:
                return ch < 0x20 || ch > 0xFD ? ERROR : SQ_STRING;
            case ZERO:
                if (digit(ch)) {
                    return ERROR;
                }
                return ch == '.' ? MANTISSA : (TOKEN + JsonToken.Type.INTEGER.ordinal()) | LOOKAHEAD;
            case NONZERO:
                if (digit(ch)) {
                    return NONZERO;
                }
                if (ch == 'e' || ch == 'E') {
                    return EXP_E;
                }
                return ch == '.' ? MANTISSA : (TOKEN + JsonToken.Type.INTEGER.ordinal()) | LOOKAHEAD;
            case NEGATIVE:
                return ch == '0' ? ZERO : ch >= '1' && ch <= '9' ? NONZERO : ERROR;
            case MANTISSA:
                return digit(ch) ? MANTISSA_DIGITS : ERROR;
            case MANTISSA_DIGITS:
                if (digit(ch)) {
                    return MANTISSA_DIGITS;
                }
                return ch == 'e' || ch == 'E' ? EXP_E : (TOKEN + JsonToken.Type.FLOAT.ordinal()) | LOOKAHEAD;
            case EXP_E:
                return ch == '-' || ch == '+' ? EXP_SIGN : digit(ch) ? EXP_DIGITS : ERROR;
            case EXP_SIGN:
                return digit(ch) ? EXP_DIGITS : ERROR;
            case EXP_DIGITS:
                return digit(ch) ? EXP_DIGITS : (TOKEN + JsonToken.Type.FLOAT.ordinal()) | LOOKAHEAD;
            case KEYWORD:
                return ch >= 'a' && ch <= 'z' ? KEYWORD : (TOKEN + JsonToken.Type.KEYWORD.ordinal()) | LOOKAHEAD;
            default:
                throw new IllegalStateException("lexer state " + state);
        }
    }

    /** A lexical error: the bytes of the bad token so far, the offending one last. */
    private void error(String raw) {
        emitError("JSON parse error, stray '" + JsonParser.printable(raw) + "'");
    }

    private void token(JsonToken.Type type, String text) {
        switch (type) {
            case LCURLY -> braces++;
            case RCURLY -> braces--;
            case LSQUARE -> brackets++;
            case RSQUARE -> brackets--;
            default -> {
            }
        }
        if (queuedBytes + text.length() + 1 > MAX_MESSAGE_BYTES) {
            emitError("JSON token size limit exceeded");
            return;
        }
        if (tokens.size() + 1 > MAX_TOKENS) {
            emitError("JSON token count limit exceeded");
            return;
        }
        if (braces + brackets > MAX_NESTING) {
            emitError("JSON nesting depth limit exceeded");
            return;
        }
        tokens.add(new JsonToken(type, text));
        queuedBytes += text.length();
        if ((braces > 0 || brackets > 0) && braces >= 0 && brackets >= 0) {
            return;
        }
        emitQueuedValue();
    }

    /** Parses the queued tokens as one value and hands it (or the parse error) to the listener. */
    private void emitQueuedValue() {
        JsonElement value;
        try {
            value = JsonParser.parse(tokens);
        } catch (JsonParser.ParseException e) {
            emitError(e.getMessage());
            return;
        }
        reset();
        listener.value(value);
    }

    private void emitError(String description) {
        reset();
        listener.error(description);
    }

    private void reset() {
        if (tokens.size() > RETAINED_TOKENS) {
            tokens = new ArrayList<>();
        } else {
            tokens.clear();
        }
        queuedBytes = 0;
        braces = 0;
        brackets = 0;
    }
}
