package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.SpliceMode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The forwarder's command line: what it accepts, and the message for what it doesn't. */
class ForwarderArgsTest {

    @Test
    void fullCommandLine() {
        ForwarderArgs args = ForwarderArgs.parse(new String[] {"--listen", "127.0.0.1:0", "--connect", "[::1]:8080",
            "--mode", "zero-copy", "--chunk-size", "64k"});
        assertEquals(new InetSocketAddress("127.0.0.1", 0), args.listen());
        assertEquals(new InetSocketAddress("::1", 8080), args.upstream().servers().getFirst().address());
        assertEquals(SpliceMode.ZERO_COPY, args.mode());
        assertEquals(65_536, args.chunkSize());
    }

    @Test
    void defaults() {
        ForwarderArgs args = ForwarderArgs.parse(new String[] {"--listen", "localhost:1", "--connect", "localhost:2"});
        assertEquals(SpliceMode.AUTO, args.mode());
        assertEquals(256 << 10, args.chunkSize());
        assertEquals(Runtime.getRuntime().availableProcessors(), args.loops());
        assertEquals(OptionalInt.empty(), args.maxConnections(), "from the fd limit");
        assertEquals(Duration.ofSeconds(10), args.connectTimeout());
        assertEquals(Optional.empty(), args.idleTimeout());
        assertFalse(args.logConnections());
    }

    @Test
    void limitsAndTimeouts() {
        ForwarderArgs args = ForwarderArgs.parse("--listen", "localhost:1", "--connect", "localhost:2", "--loops", "3",
                "--max-connections", "100", "--connect-timeout", "500ms", "--idle-timeout", "5m", "--log-connections");
        assertEquals(3, args.loops());
        assertEquals(OptionalInt.of(100), args.maxConnections());
        assertEquals(Duration.ofMillis(500), args.connectTimeout());
        assertEquals(Optional.of(Duration.ofMinutes(5)), args.idleTimeout());
        assertTrue(args.logConnections());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500ms, PT0.5S, 500ms", "30s, PT30S, 30s", "90s, PT1M30S, 90s", "5m, PT5M, 5m", "1H, PT1H, 1h",
        "120m, PT2H, 2h"})
    void durationsNeedAUnitAndPrintAsTheyAreRead(String text, Duration expected, String printed) {
        Duration parsed = NumericFlag.IDLE_TIMEOUT.duration(text);
        assertEquals(expected, parsed);
        assertEquals(printed, ForwarderArgs.format(parsed));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "''|--listen is required",
        "--listen 127.0.0.1:1|--connect is required",
        "--listen|--listen needs a value",
        "--listen 127.0.0.1|--listen wants HOST:PORT, got '127.0.0.1'",
        "--listen 127.0.0.1:99999 --connect 127.0.0.1:1|--listen: port out of range in '127.0.0.1:99999'",
        "--listen 127.0.0.1:x --connect 127.0.0.1:1|--listen: bad port in '127.0.0.1:x'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --mode fast|--mode wants auto, zero-copy or portable, got 'fast'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --chunk-size 0|--chunk-size must be between 4k and 16m, got '0'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --chunk-size 3g|--chunk-size must be between 4k and 16m, got '3g'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --chunk-size lots|--chunk-size wants a byte count such as 65536, 64k or 1m, got 'lots'",
        "--bogus|unknown argument: '--bogus'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --loops 0|--loops must be between 1 and 256, got '0'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --loops two|--loops wants a whole number, got 'two'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --max-connections 0|--max-connections must be between 1 and 1073741824, got '0'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --max-connections -5|--max-connections must be between 1 and 1073741824, got '-5'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --max-connections 1e3|--max-connections wants a whole number, got '1e3'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --max-connections 99999999999|--max-connections must be between 1 and 1073741824, got '99999999999'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --max-connections|--max-connections needs a value",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --idle-timeout 0s|--idle-timeout must be between 1ms and 576h, got '0s'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --idle-timeout -1s|--idle-timeout must be between 1ms and 576h, got '-1s'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --idle-timeout 30|--idle-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '30'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --idle-timeout 1.5s|--idle-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '1.5s'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --idle-timeout 1d|--idle-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '1d'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --connect-timeout 0ms|--connect-timeout must be between 1ms and 576h, got '0ms'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --connect-timeout -10s|--connect-timeout must be between 1ms and 576h, got '-10s'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --connect-timeout soon|--connect-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got 'soon'",
        "--self-check --listen 127.0.0.1:1|--self-check takes no --listen, --connect or --sni-route",
        "--listen unix: --connect 127.0.0.1:1|--listen wants unix:/path/to.sock, got 'unix:'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --send-proxy v3|--send-proxy wants v1 or v2, got 'v3'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --send-proxy|--send-proxy needs a value",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --proxy-timeout 0s|--proxy-timeout must be between 1ms and 576h, got '0s'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --proxy-timeout 5|--proxy-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '5'",
        "--listen unix:/tmp/a.sock --connect 127.0.0.1:2 --unix-mode 0o660|--unix-mode wants octal permissions such as 660 or 0600, got '0o660'",
        "--listen unix:/tmp/a.sock --connect 127.0.0.1:2 --unix-mode|--unix-mode needs a value",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --accept-proxy --bogus|unknown argument: '--bogus'"})
    void badArgumentsAreNamed(String line, String message) {
        String[] args = line.isEmpty() ? new String[0] : line.split(" ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(args));
        assertEquals(message, e.getMessage());
    }

    @Test
    void usageNamesEveryOptionAndItsDefault() {
        for (String option : new String[] {"--listen", "--connect", "--mode", "--chunk-size", "--loops",
            "--max-connections", "--connect-timeout", "--idle-timeout", "--log-connections", "--self-check", "--help"}) {
            assertTrue(ForwarderArgs.USAGE.contains(option), option);
        }
        for (String fact : new String[] {"(default 256k)", "(default: one per core,", "(default: what the open-files",
            "(default 10s)", "(default: none", "(default: off", "Durations need a unit: 500ms, 30s, 5m, 1h"}) {
            assertTrue(ForwarderArgs.USAGE.contains(fact), fact);
        }
    }
}
