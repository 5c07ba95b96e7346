package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.FuzzSeed;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The access log's hand-written JSON: every string, whatever it holds, reads back exactly through a
 * strict parser and stays one line of valid UTF-8; and that parser refuses what it should.
 */
class JsonTest {

    @Test
    void quotesAndBackslashesAndControlsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c/d\"", quoted("a\"b\\c/d"));
        assertEquals("\"\\n\\r\\t\\u0000\\u001f\\u007f\\u009f\"", quoted("\n\r\t\u0000\u001f\u007f\u009f"));
        assertEquals("\"\\u2028\\u2029\"", quoted("\u2028\u2029"));
        assertEquals("\"é𝟙\u00a0\"", quoted("é𝟙\u00a0"), "printable text and whole surrogate pairs stay");
        assertEquals("\"\\ud800x\\udfff\"", quoted("\ud800x\udfff"), "surrogates that pair with nothing");
    }

    @Test
    @Timeout(30)
    void anyStringReadsBackExactlyAndStaysOneLineOfUtf8() {
        long seed = FuzzSeed.pick(getClass());
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            String value = randomText(random);
            String quoted = quoted(value);
            String context = "seed " + seed + " case " + i;
            assertEquals(value, StrictJson.parse(quoted), context);
            assertTrue(quoted.chars().noneMatch(c -> c < 0x20 || c == 0x2028 || c == 0x2029
                    || (c >= 0x7f && c <= 0x9f)), context + ": " + quoted);
            assertEquals(quoted, new String(quoted.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                    context + ": valid UTF-8");
        }
    }

    @Test
    void anObjectLeavesOutAbsentMembers() {
        String line = new Json().add("a", "x").addIfPresent("b", null).add("n", -5).addNumber("d", "0.012345")
                .addIfPresent("c", "y").toString();
        assertEquals("{\"a\":\"x\",\"n\":-5,\"d\":0.012345,\"c\":\"y\"}", line);
        assertEquals(Map.of("a", "x", "n", new BigDecimal(-5), "d", new BigDecimal("0.012345"), "c", "y"),
                StrictJson.object(line));
        assertEquals("{}", new Json().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1,\"a\":2}", "{\"a\":1,}", "[1,]", "\"a\u0001\"", "\"\\x\"", "\"\\u12g4\"", "01",
        "-", "1.", "1e", "NaN", "{\"a\":1} x", "{a:1}", "'a'", "\u00a0{}", "{\"a\" 1}", "tru", "", "\"open"})
    void theTestParserRefusesWhatIsNotStrictJson(String text) {
        assertThrows(IllegalArgumentException.class, () -> StrictJson.parse(text), text);
    }

    private static String quoted(String value) {
        return Json.quote(new StringBuilder(), value).toString();
    }

    /** Up to 12 code units from ASCII, Latin-1's controls, separators, astral pairs and lone surrogates. */
    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(13);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(6)) {
                case 0 -> text.append((char) random.nextInt(0x80));
                case 1 -> text.append((char) (0x7f + random.nextInt(0x30)));
                case 2 -> text.append("\"\\/\u2028\u2029\n\t".charAt(random.nextInt(7)));
                case 3 -> text.appendCodePoint(0x10000 + random.nextInt(0x100000));
                case 4 -> text.append((char) (0xd800 + random.nextInt(0x800)));
                default -> text.append((char) random.nextInt(0x10000));
            }
        }
        return text.toString();
    }
}
