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
 * How a client whose PROXY header can't be read is counted: a failure of the client's connection
 * is a rejected header, one of the forwarder's own (out of fds) is not.
 */
@Timeout(60)
class ConnectorTest {

    private static final ForwarderArgs ARGS = ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
            "127.0.0.1:9", "--accept-proxy", "--proxy-timeout", "20s");

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
            runToTheEnd(pair, stats, new ProxyFront(ARGS.edge()));
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
            runToTheEnd(loopback.pair(), stats, outOfFds);
        }
        assertEquals(0, stats.proxyHeadersRejected());
        assertEquals(1, stats.proxyHeaderReadFailures());
        assertEquals(0, stats.upstreamFailures());
        assertTrue(stats.summary().contains("PROXY headers rejected (malformed, incomplete or late): 0; failed to "
                + "read here (out of fds, say): 1"), stats.summary());
    }

    /** Hands {@code pair}'s near end to a connector as an accepted client and waits for it to end. */
    private static void runToTheEnd(Loopback.Pair pair, ForwarderStats stats, ProxyFront front) throws Exception {
        CompletableFuture<Connection> ended = new CompletableFuture<>();
        Connector connector = new Connector(ARGS, new Upstreams(ARGS.upstream(), System::nanoTime),
                SpliceOptions.defaults(), stats, (connection, result) -> ended.complete(connection),
                Throwable::printStackTrace, front);
        Connection client = new Connection(pair.near());
        connector.start(client);
        assertTrue(ended.get(30, TimeUnit.SECONDS) == client);
        assertFalse(pair.near().isOpen(), "the client is closed");
    }
}
