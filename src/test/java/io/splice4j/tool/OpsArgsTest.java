package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The flags for running the forwarder in production: what each takes at the edges of its range,
 * and the one-line message naming the flag for what it doesn't.
 */
class OpsArgsTest {

    private static final String BASE = "--listen 127.0.0.1:1 --connect 127.0.0.1:2 ";

    @Test
    void noneByDefault() {
        ForwarderArgs args = parse("");
        assertFalse(args.ops().reusePort());
        assertEquals(Optional.empty(), args.ops().keepalive());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "1s,1s,1|1s,1s,1",
        "32767s,32767s,127|32767s,32767s,127",
        "9h,1m,5|32400s,60s,5",
        "60S,10s,05|60s,10s,5"})
    void keepaliveTakesWholeSecondsAndACount(String text, String read) {
        ForwarderArgs args = parse("--keepalive " + text + " --reuseport");
        assertEquals(read, args.ops().keepalive().orElseThrow().toString());
        assertTrue(args.ops().reusePort());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--keepalive 0s,1s,1|--keepalive IDLE must be between 1s and 32767s, got '0s'",
        "--keepalive 32768s,1s,1|--keepalive IDLE must be between 1s and 32767s, got '32768s'",
        "--keepalive 10h,1s,1|--keepalive IDLE must be between 1s and 32767s, got '10h'",
        "--keepalive 1s,0,1|--keepalive INTERVAL must be between 1s and 32767s, got '0'",
        "--keepalive 1s,32768s,1|--keepalive INTERVAL must be between 1s and 32767s, got '32768s'",
        "--keepalive 1s,1s,0|--keepalive COUNT must be between 1 and 127, got '0'",
        "--keepalive 1s,1s,128|--keepalive COUNT must be between 1 and 127, got '128'",
        "--keepalive 500ms,1s,1|--keepalive IDLE wants a duration in whole seconds such as 30s, 5m or 1h, got '500ms'",
        "--keepalive 60,10,5|--keepalive IDLE wants a duration in whole seconds such as 30s, 5m or 1h, got '60'",
        "--keepalive 1s,1s,1s|--keepalive COUNT wants a whole number, got '1s'",
        "--keepalive 60s,10s|--keepalive wants IDLE,INTERVAL,COUNT such as 60s,10s,5, got '60s,10s'",
        "--keepalive 60s,10s,5,|--keepalive wants IDLE,INTERVAL,COUNT such as 60s,10s,5, got '60s,10s,5,'",
        "--keepalive|--keepalive needs a value",
        "--reuseport 1|unknown argument: '1'"})
    void badValuesAreNamed(String line, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> parse(line)).getMessage());
    }

    @Test
    void theAccessLogIsAFileOrStandardOutput() {
        assertEquals(Optional.of("-"), parse("--access-log -").ops().accessLog());
        assertEquals(Optional.of("/var/log/splice4j/access.log"), parse("--access-log /var/log/splice4j/access.log")
                .ops().accessLog());
        assertEquals(Optional.empty(), parse("").ops().accessLog());
        assertEquals("--access-log wants a file, or - for standard output, got ''", rejection("--listen",
                "127.0.0.1:1", "--connect", "127.0.0.1:2", "--access-log", ""));
        assertEquals("--access-log: bad path in 'a\\u0000b'", rejection("--listen", "127.0.0.1:1", "--connect",
                "127.0.0.1:2", "--access-log", "a\u0000b"));
        assertEquals("--access-log needs a value", rejection("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2",
                "--access-log"));
    }

    @Test
    void metricsAreServedOnATcpAddress() {
        assertEquals(Optional.of(new InetSocketAddress("::1", 9100)), parse("--metrics-listen [::1]:9100").ops()
                .metricsListen());
        assertEquals(0, parse("--metrics-listen 127.0.0.1:0").ops().metricsListen().orElseThrow().getPort());
        assertEquals(Optional.empty(), parse("").ops().metricsListen());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--metrics-listen unix:/tmp/m.sock|--metrics-listen wants HOST:PORT: metrics are served over TCP, got "
                + "'unix:/tmp/m.sock'",
        "--metrics-listen 127.0.0.1|--metrics-listen wants HOST:PORT, got '127.0.0.1'",
        "--metrics-listen 127.0.0.1:65536|--metrics-listen: port out of range in '127.0.0.1:65536'",
        "--metrics-listen :9100|--metrics-listen wants HOST:PORT, got ':9100'",
        "--metrics-listen|--metrics-listen needs a value"})
    void badMetricsAddressesAreNamed(String line, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> parse(line)).getMessage());
    }

    @Test
    void unixSocketsHaveNoSharedPortsOrKeepalive() {
        assertEquals("--reuseport needs a TCP --listen: a Unix socket's path is its own", rejection(
                "--listen", "unix:/tmp/a.sock", "--connect", "127.0.0.1:2", "--reuseport"));
        assertEquals("--keepalive needs TCP at --listen or --connect: Unix sockets have no keepalive", rejection(
                "--listen", "unix:/tmp/a.sock", "--connect", "unix:/tmp/b.sock", "--keepalive", "60s,10s,5"));
        // One TCP end is enough: that one gets it.
        assertTrue(ForwarderArgs.parse("--listen", "unix:/tmp/a.sock", "--connect", "127.0.0.1:2", "--keepalive",
                "60s,10s,5").ops().keepalive().isPresent());
    }

    private static ForwarderArgs parse(String line) {
        return ForwarderArgs.parse((BASE + line).trim().split(" "));
    }

    private static String rejection(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(args)).getMessage();
    }
}
