package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.SpliceMode;
import java.net.InetSocketAddress;
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
        assertEquals(new InetSocketAddress("::1", 8080), args.connect());
        assertEquals(SpliceMode.ZERO_COPY, args.mode());
        assertEquals(65_536, args.chunkSize());
    }

    @Test
    void defaults() {
        ForwarderArgs args = ForwarderArgs.parse(new String[] {"--listen", "localhost:1", "--connect", "localhost:2"});
        assertEquals(SpliceMode.AUTO, args.mode());
        assertEquals(1 << 20, args.chunkSize());
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
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --chunk-size 0|--chunk-size must be between 1 and 2147483647 bytes, got '0'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --chunk-size 3g|--chunk-size must be between 1 and 2147483647 bytes, got '3g'",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --chunk-size lots|--chunk-size wants a byte count such as 65536, 64k or 1m, got 'lots'",
        "--bogus|unknown argument: --bogus",
        "--self-check --listen 127.0.0.1:1|--self-check takes no --listen or --connect"})
    void badArgumentsAreNamed(String line, String message) {
        String[] args = line.isEmpty() ? new String[0] : line.split(" ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(args));
        assertEquals(message, e.getMessage());
    }

    @Test
    void usageNamesEveryOption() {
        for (String option : new String[] {"--listen", "--connect", "--mode", "--chunk-size", "--self-check"}) {
            assertTrue(ForwarderArgs.USAGE.contains(option), option);
        }
    }
}
