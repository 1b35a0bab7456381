package io.hotvisor.qmp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming splitter and parser against QEMU 7.2's answers for the same input. */
class JsonStreamerTest {
    private final List<String> out = new ArrayList<>();
    private final JsonStreamer streamer = new JsonStreamer(new JsonStreamer.Listener() {
        @Override
        public void value(JsonElement value) {
            out.add(JsonWriter.write(value));
        }

        @Override
        public void error(String description) {
            out.add("error: " + description);
        }
    });

    private List<String> feed(String text) {
        streamer.feed(text.getBytes(StandardCharsets.UTF_8));
        return out;
    }

    private List<String> feed(byte[] bytes) {
        streamer.feed(bytes);
        return out;
    }

    @Test
    void garbageAfterACommandAsInQemusTranscript() {
        assertThat(feed("{\"execute\": \"query-status\"\r\n}}}garbage\n")).containsExactly(
                "{\"execute\": \"query-status\"}",
                "error: JSON parse error, expecting value",
                "error: JSON parse error, expecting value",
                "error: JSON parse error, invalid keyword 'garbage'");
    }

    @Test
    void aStrayCharacterIsOneErrorThenTheLexerResynchronises() {
        assertThat(feed("{\"execute\": @}")).containsExactly(
                "error: JSON parse error, stray '@'",
                "error: JSON parse error, expecting value");
        out.clear();
        assertThat(feed("{\"execute\": \"query-status\"}")).containsExactly("{\"execute\": \"query-status\"}");
    }

    @Test
    void recoverySkipsToTheNextStructuralCharacter() {
        assertThat(feed("#hello world{\"a\": 1}")).containsExactly(
                "error: JSON parse error, stray '#'", "{\"a\": 1}");
    }

    @Test
    void valuesMaySpanReadsAndShareThem() {
        feed("{\"exec");
        assertThat(out).isEmpty();
        feed("ute\": \"x\"}{\"execute\"");
        feed(": \"y\"}");
        assertThat(out).containsExactly("{\"execute\": \"x\"}", "{\"execute\": \"y\"}");
    }

    @Test
    void singleQuotedStringsAndEscapes() {
        assertThat(feed("{'execute': 'it\\'s', \"b\": \"\\u00e9\\uD83D\\uDE00\\n\\/\"}")).containsExactly(
                "{\"execute\": \"it's\", \"b\": \"\\u00E9\\uD83D\\uDE00\\n/\"}");
    }

    @Test
    void numbersAreKeptAsWritten() {
        assertThat(feed("[1.50, -0, 1e3, 12345678901234567890]")).containsExactly("[1.50, -0, 1e3, 12345678901234567890]");
    }

    @Test
    void aTopLevelScalarIsAValue() {
        assertThat(feed("42 true ")).containsExactly("42", "true");
    }

    @Test
    void parserErrorsUseQemusWords() {
        assertThat(feed("{\"a\": 1, \"a\": 2}")).containsExactly("error: JSON parse error, duplicate key");
        out.clear();
        assertThat(feed("{\"a\" 1}")).containsExactly("error: JSON parse error, missing : in object pair");
        out.clear();
        assertThat(feed("{1: 2}")).containsExactly("error: JSON parse error, key is not a string in object");
        out.clear();
        assertThat(feed("{\"a\": 1 \"b\": 2}")).containsExactly("error: JSON parse error, expected separator in dict");
        out.clear();
        assertThat(feed("[1 2]")).containsExactly("error: JSON parse error, expected separator in list");
        out.clear();
        assertThat(feed("\"\\x\" ")).containsExactly("error: JSON parse error, invalid escape sequence in string");
        out.clear();
        assertThat(feed("\"\\uD800\" ")).containsExactly(
                "error: JSON parse error, \\uD800 is not a valid Unicode character");
        out.clear();
        assertThat(feed(new byte[] {'"', (byte) 0xC3, '(', '"'})).containsExactly(
                "error: JSON parse error, invalid UTF-8 sequence in string");
    }

    @Test
    void aNewlineInsideAStringIsAStrayToken() {
        assertThat(feed("{\"a\": \"x\ny\"}")).containsExactly(
                "error: JSON parse error, stray '\"x\n'",
                "error: JSON parse error, expecting value");
    }

    @Test
    void byte0xFFResetsTheParserWhateverItWasIn() {
        assertThat(feed("{\"execute\": {\"a\": [\"unterminated")).isEmpty();
        feed(new byte[] {(byte) 0xFF});
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).startsWith("error: JSON parse error, stray");
        out.clear();
        assertThat(feed("{\"execute\": \"x\"}")).containsExactly("{\"execute\": \"x\"}");
    }

    @Test
    void nestingIsLimited() {
        feed("[".repeat(JsonStreamer.MAX_NESTING + 1));
        assertThat(out).containsExactly("error: JSON nesting depth limit exceeded");
    }

    @Test
    void flushAnswersAnUnfinishedValue() {
        feed("{\"execute\": ");
        streamer.flush();
        assertThat(out).containsExactly("error: JSON parse error, premature EOI");
    }

    /** Audit row 3: one large message must not cost its connection that much heap for good. */
    @Test
    void buffersShrinkAfterALargeToken() {
        String large = "x".repeat(JsonStreamer.MAX_MESSAGE_BYTES - 64);
        assertThat(feed("{\"execute\": \"query-status\", \"id\": \"" + large + "\"}")).hasSize(1);
        assertThat(streamer.retainedBytes()).isLessThan(64 * 1024);
        out.clear();
        // One token over the limit: an error, and the buffer that held it is let go as well.
        assertThat(feed("\"" + large + large + "\"")).containsExactly("error: JSON token size limit exceeded");
        assertThat(streamer.retainedBytes()).isLessThan(64 * 1024);
        out.clear();
        assertThat(feed("{\"execute\": \"x\"}")).containsExactly("{\"execute\": \"x\"}");
    }
}
