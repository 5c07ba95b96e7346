package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.SpliceOptions;
import io.splice4j.support.Loopback;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a client whose PROXY header or TLS ClientHello can't be read is counted: a failure of the
 * client's connection is a rejection, one of the forwarder's own (out of fds) is not.
 */
@Timeout(60)
class ConnectorTest {

    private static final ForwarderArgs ARGS = ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
            "127.0.0.1:9", "--accept-proxy", "--proxy-timeout", "20s");
    private static final ForwarderArgs ROUTED = ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
            "127.0.0.1:9", "--sni-route", "a.example=127.0.0.1:9", "--sni-timeout", "20s");

    @Test
    void aClientThatResetsBeforeItsHeaderIsWholeIsRejected() throws Exception {
        ForwarderStats stats = new ForwarderStats();
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair();
            ByteBuffer half = ByteBuffer.wrap("PROXY TCP4 192.0.2.1".getBytes(StandardCharsets.US_ASCII));
            while (half.hasRemaining()) {
                pair.far().write(half);
            }
            Loopback.abort(pair.far());
            runToTheEnd(ARGS, pair, stats, new ProxyFront(ARGS.edge()), null);
        }
        assertEquals(1, stats.proxyHeadersRejected());
        assertEquals(0, stats.proxyHeaderReadFailures());
        assertEquals(0, stats.upstreamFailures());
    }

    @Test
    void runningOutOfFdsWhileReadingAHeaderIsNoRejection() throws Exception {
        ForwarderStats stats = new ForwarderStats();
        // What Selector.open() throws with no fd left (EMFILE): the one fd a header read may open.
        ProxyFront outOfFds = new ProxyFront(ARGS.edge(), (client, timeout) -> {
            throw new IOException("Too many open files");
        });
        try (Loopback loopback = new Loopback()) {
            runToTheEnd(ARGS, loopback.pair(), stats, outOfFds, null);
        }
        assertEquals(0, stats.proxyHeadersRejected());
        assertEquals(1, stats.proxyHeaderReadFailures());
        assertEquals(0, stats.upstreamFailures());
        assertTrue(stats.summary().contains("PROXY headers rejected (malformed, incomplete or late): 0; failed to "
                + "read here (out of fds, say): 1"), stats.summary());
    }

    @Test
    void aClientThatResetsBeforeItsHelloIsWholeIsRejected() throws Exception {
        ForwarderStats stats = new ForwarderStats();
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair();
            ByteBuffer half = ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
            while (half.hasRemaining()) {
                pair.far().write(half);
            }
            Loopback.abort(pair.far());
            runToTheEnd(ROUTED, pair, stats, new ProxyFront(ROUTED.edge()), null);
        }
        assertEquals(1, stats.hellosRejected());
        assertEquals(0, stats.helloReadFailures());
        assertEquals(0, stats.upstreamFailures());
    }

    @Test
    void runningOutOfFdsWhileReadingAHelloIsNoRejection() throws Exception {
        ForwarderStats stats = new ForwarderStats();
        try (Loopback loopback = new Loopback()) {
            runToTheEnd(ROUTED, loopback.pair(), stats, new ProxyFront(ROUTED.edge()),
                    (client, readBefore, timeout) -> {
                        throw new IOException("Too many open files");
                    });
        }
        assertEquals(0, stats.hellosRejected());
        assertEquals(1, stats.helloReadFailures());
        assertEquals(0, stats.sniRejections());
        assertTrue(stats.summary().contains("TLS ClientHellos rejected (malformed, incomplete, late or not TLS): 0; "
                + "failed to read here: 1; server names no route took: 0"), stats.summary());
    }

    /**
     * Hands {@code pair}'s near end to a connector as an accepted client and waits for it to end.
     *
     * @param hellos reads ClientHellos for the connector, or null for the forwarder's own reader
     */
    private static void runToTheEnd(ForwarderArgs args, Loopback.Pair pair, ForwarderStats stats, ProxyFront front,
            SniFront.HelloReader hellos) throws Exception {
        CompletableFuture<Connection> ended = new CompletableFuture<>();
        Upstreams upstreams = new Upstreams(args.upstream(), System::nanoTime);
        Connector connector = new Connector(args, upstreams, SpliceOptions.defaults(), stats,
                (connection, result) -> ended.complete(connection), Throwable::printStackTrace, front,
                hellos == null ? new SniFront(upstreams) : new SniFront(upstreams, hellos));
        Connection client = new Connection(pair.near());
        connector.start(client);
        assertTrue(ended.get(30, TimeUnit.SECONDS) == client);
        assertFalse(pair.near().isOpen(), "the client is closed");
    }
}
