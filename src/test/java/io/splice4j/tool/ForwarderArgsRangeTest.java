package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each numeric flag's range, at its edges: the bounds parse, one past them is refused with a
 * message naming the flag and the range; values that used to overflow later are refused too.
 */
class ForwarderArgsRangeTest {

    /** --loops 1 first, so that 16m chunks fit the pipe pool on any machine; a later --loops wins. */
    private static final String BASE = "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --loops 1 ";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--chunk-size|4k|4096",
        "--chunk-size|4096|4096",
        "--chunk-size|16m|16777216",
        "--chunk-size|16384K|16777216",
        "--loops|1|1",
        "--loops|256|256",
        "--max-connections|1|1",
        "--max-connections|1073741824|1073741824",
        "--connect-timeout|1ms|PT0.001S",
        "--connect-timeout|576h|PT576H",
        "--connect-timeout|2073600000ms|PT576H",
        "--idle-timeout|1ms|PT0.001S",
        "--idle-timeout|576h|PT576H",
        "--proxy-timeout|1ms|PT0.001S",
        "--proxy-timeout|34560m|PT576H",
        "--drain-timeout|0|PT0S",
        "--drain-timeout|0s|PT0S",
        "--drain-timeout|576h|PT576H",
        "--retries|0|0",
        "--retries|16|16",
        "--health-check|100ms|PT0.1S",
        "--health-check|576h|PT576H"})
    void theBoundsParse(String flag, String text, String expected) {
        ForwarderArgs args = ForwarderArgs.parse((BASE + flag + " " + text).split(" "));
        Object value = switch (flag) {
            case "--chunk-size" -> args.chunkSize();
            case "--loops" -> args.loops();
            case "--max-connections" -> args.maxConnections().getAsInt();
            case "--connect-timeout" -> args.connectTimeout();
            case "--idle-timeout" -> args.idleTimeout().orElseThrow();
            case "--proxy-timeout" -> args.edge().proxyTimeout();
            case "--drain-timeout" -> args.drainTimeout();
            case "--retries" -> args.upstream().retries();
            case "--health-check" -> args.upstream().healthCheck().orElseThrow();
            default -> throw new AssertionError(flag);
        };
        assertEquals(expected, value.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--chunk-size 4095|--chunk-size must be between 4k and 16m, got '4095'",
        "--chunk-size 3k|--chunk-size must be between 4k and 16m, got '3k'",
        "--chunk-size 16777217|--chunk-size must be between 4k and 16m, got '16777217'",
        "--chunk-size 16385k|--chunk-size must be between 4k and 16m, got '16385k'",
        "--chunk-size -4k|--chunk-size must be between 4k and 16m, got '-4k'",
        "--loops 0|--loops must be between 1 and 256, got '0'",
        "--loops 257|--loops must be between 1 and 256, got '257'",
        "--max-connections 0|--max-connections must be between 1 and 1073741824, got '0'",
        "--max-connections 1073741825|--max-connections must be between 1 and 1073741824, got '1073741825'",
        "--connect-timeout 0ms|--connect-timeout must be between 1ms and 576h, got '0ms'",
        "--connect-timeout 577h|--connect-timeout must be between 1ms and 576h, got '577h'",
        "--connect-timeout 2073600001ms|--connect-timeout must be between 1ms and 576h, got '2073600001ms'",
        "--idle-timeout 0|--idle-timeout must be between 1ms and 576h, got '0'",
        "--idle-timeout 34561m|--idle-timeout must be between 1ms and 576h, got '34561m'",
        "--proxy-timeout 0ms|--proxy-timeout must be between 1ms and 576h, got '0ms'",
        "--proxy-timeout 2073601s|--proxy-timeout must be between 1ms and 576h, got '2073601s'",
        "--drain-timeout -1ms|--drain-timeout must be between 0 and 576h, got '-1ms'",
        "--drain-timeout 577h|--drain-timeout must be between 0 and 576h, got '577h'",
        "--drain-timeout 1|--drain-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '1'",
        "--drain-timeout|--drain-timeout needs a value",
        "--retries -1|--retries must be between 0 and 16, got '-1'",
        "--retries 17|--retries must be between 0 and 16, got '17'",
        "--health-check 99ms|--health-check must be between 100ms and 576h, got '99ms'",
        "--health-check 0|--health-check must be between 100ms and 576h, got '0'",
        "--health-check 577h|--health-check must be between 100ms and 576h, got '577h'",
        "--health-check 1|--health-check wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '1'"})
    void onePastTheBoundsIsNamed(String line, String message) {
        assertRefused(line, message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // Every client was closed with ArithmeticException: long overflow (Duration.toNanos).
        "--idle-timeout 2562048h|--idle-timeout must be between 1ms and 576h, got '2562048h'",
        "--idle-timeout 99999999999999999999h|--idle-timeout must be between 1ms and 576h, "
                + "got '99999999999999999999h'",
        "--connect-timeout 9223372036854775807ms|--connect-timeout must be between 1ms and 576h, "
                + "got '9223372036854775807ms'",
        // An OutOfMemoryError at start, with exit status 0.
        "--loops 2147483647|--loops must be between 1 and 256, got '2147483647'",
        // The shift wrapped to 1 KiB.
        "--chunk-size 18014398509481985k|--chunk-size must be between 4k and 16m, got '18014398509481985k'",
        "--chunk-size 9223372036854775808|--chunk-size must be between 4k and 16m, got '9223372036854775808'",
        "--max-connections -9223372036854775809|--max-connections must be between 1 and 1073741824, "
                + "got '-9223372036854775809'",
        // No pipe of 128 MiB fits the pool, so every zero-copy relay failed.
        "--mode zero-copy --chunk-size 128m|--chunk-size must be between 4k and 16m, got '128m'"})
    void valuesThatFailedEveryConnectionAreRefusedAtStart(String line, String message) {
        assertRefused(line, message);
    }

    @Test
    void thePipePoolMustHoldAChunkPerLoop() {
        assertEquals(16 << 20, ForwarderArgs.parse((BASE + "--chunk-size 16m --loops 8").split(" ")).chunkSize());
        assertEquals(512 << 10, ForwarderArgs.parse((BASE + "--loops 256 --chunk-size 512k").split(" ")).chunkSize());
        assertRefused("--chunk-size 16m --loops 9", "--chunk-size 16m times --loops 9 is more than the engine's pipe "
                + "pool holds: their product must be at most 128m");
        assertRefused("--loops 256 --chunk-size 513k", "--chunk-size 513k times --loops 256 is more than the engine's "
                + "pipe pool holds: their product must be at most 128m");
    }

    @Test
    void drainTimeoutDefaultsTo30s() {
        assertEquals(Duration.ofSeconds(30), ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect",
                "127.0.0.1:2").drainTimeout());
        assertEquals("0", ForwarderArgs.format(Duration.ZERO), "printed as it is read");
    }

    @Test
    void helpIgnoresTheValuesBeforeIt() {
        ForwarderArgs args = ForwarderArgs.parse("--chunk-size", "16m", "--loops", "256", "--help");
        assertTrue(args.help());
        assertEquals(256 << 10, args.chunkSize());
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), 256), args.loops());
    }

    @Test
    void messagesStayOnOneLine() {
        assertRefused("--mode", "a\nb", "--mode wants auto, zero-copy or portable, got 'a\\u000ab'");
        assertRefused("--loops", "1\u2028", "--loops wants a whole number, got '1\\u2028'");
        assertRefused("--send-proxy", "\r", "--send-proxy wants v1 or v2, got '\\u000d'");
        assertRefused("--x\u0085", null, "unknown argument: '--x\\u0085'");
    }

    @Test
    void onlyAsciiDigitsAndSuffixesAreNumbers() {
        assertRefused("--loops", "\u0663", "--loops wants a whole number, got '\u0663'");
        assertRefused("--loops", "+3", "--loops wants a whole number, got '+3'");
        assertRefused("--chunk-size", "64\u212a", "--chunk-size wants a byte count such as 65536, 64k or 1m, "
                + "got '64\u212a'");
        assertRefused("--idle-timeout", "1d", "--idle-timeout wants a duration with a unit such as 500ms, 30s, 5m or "
                + "1h, got '1d'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"CHUNK_SIZE, 4k..16m", "LOOPS, 1..256", "MAX_CONNECTIONS, 1..1073741824", "CONNECT_TIMEOUT, 1ms..576h",
        "IDLE_TIMEOUT, 1ms..576h", "DRAIN_TIMEOUT, 0..576h", "PROXY_TIMEOUT, 1ms..576h", "RETRIES, 0..16",
        "HEALTH_CHECK, 100ms..576h"})
    void theUsageStatesEachRange(NumericFlag flag, String range) {
        assertEquals(range, flag.range());
        assertTrue(usageEntry(flag.flag()).contains(range), flag.flag() + " " + range);
    }

    @Test
    void theUsageStatesTheRulesBetweenTheRanges() {
        for (NumericFlag flag : NumericFlag.values()) {
            assertTrue(usageEntry(flag.flag()).contains(flag.range()), flag.flag() + " " + flag.range());
        }
        String usage = ForwarderArgs.USAGE.replaceAll("\\s+", " ");
        for (String fact : new String[] {"times --loops at most 128m", "576h is 24 days", "(only 0 may go without)",
            "on SIGTERM/SIGINT stop accepting, let open connections finish for this long, then reset the rest",
            "(default 30s; 0 = at once); a second signal ends the drain at once"}) {
            assertTrue(usage.contains(fact), fact);
        }
    }

    /** A flag's entry in the usage, from its name to the next flag's, on one line. */
    private static String usageEntry(String flag) {
        String usage = ForwarderArgs.USAGE;
        int start = usage.indexOf("\n  " + flag + " ");
        assertTrue(start >= 0, flag + " has no entry in the usage");
        int end = usage.indexOf("\n  --", start + 1);
        return usage.substring(start, end < 0 ? usage.length() : end).replaceAll("\\s+", " ");
    }

    private static void assertRefused(String line, String message) {
        String[] args = (BASE + line).split(" ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(args));
        assertEquals(message, e.getMessage());
    }

    /** Like {@link #assertRefused(String, String)}, for a value that may hold spaces; {@code null}: no value. */
    private static void assertRefused(String flag, String value, String message) {
        List<String> args = new ArrayList<>(List.of(BASE.split(" ")));
        args.add(flag);
        if (value != null) {
            args.add(value);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwarderArgs.parse(args.toArray(String[]::new)));
        assertEquals(message, e.getMessage());
    }
}
