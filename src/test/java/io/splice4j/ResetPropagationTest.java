package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An abortive end stays abortive through a relay: a connection reset on one side reaches the other
 * side's peer as a reset (after every byte that had arrived before it), on every relay path, and
 * the result says which side broke; a normal end still arrives as a FIN after every byte.
 * {@code a} is the client's connection, {@code b} the upstream's.
 */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class ResetPropagationTest {

    private static final long N = 1 << 20;

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void anUpstreamResetAfterNBytesReachesTheClientAsAResetAfterExactlyNBytes(RelayKind kind, SpliceMode mode)
            throws Exception {
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair client = loopback.pair();
            Loopback.Pair upstream = loopback.pair();
            Relay relay = Splice.relay(client.near(), upstream.near(), kind.options(mode).build());
            Payload.write(upstream.far(), N);
            assertEquals(Payload.expected(N), Payload.readExactly(client.far(), N));
            Loopback.abort(upstream.far());

            assertReset(client.far());
            RelayResult result = relay.completion().get(30, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.B_RESET, result.end(), result::toString);
            assertBroke(result, SpliceException.Side.SOURCE, SpliceException.Side.TARGET);
            assertEquals(N, result.bToA().bytes());
            assertFalse(client.near().isOpen());
            assertFalse(upstream.near().isOpen());
        }
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void aClientResetReachesTheUpstreamAsAReset(RelayKind kind, SpliceMode mode) throws Exception {
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair client = loopback.pair();
            Loopback.Pair upstream = loopback.pair();
            Relay relay = Splice.relay(client.near(), upstream.near(), kind.options(mode).build());
            Payload.write(client.far(), N);
            assertEquals(Payload.expected(N), Payload.readExactly(upstream.far(), N));
            Loopback.abort(client.far());

            assertReset(upstream.far());
            RelayResult result = relay.completion().get(30, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.A_RESET, result.end(), result::toString);
            assertEquals(N, result.aToB().bytes());
        }
    }

    /**
     * The reported case: the upstream sends 1 MiB and resets at once. Whatever part of the stream
     * reaches the client is the stream's start, and it ends with a reset, never a clean end of
     * stream; several rounds, since where the reset overtakes the bytes varies.
     */
    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void aResetMidStreamNeverLooksLikeACleanEnd(RelayKind kind, SpliceMode mode) throws Exception {
        try (Loopback loopback = new Loopback()) {
            for (int round = 0; round < 5; round++) {
                Loopback.Pair client = loopback.pair();
                Loopback.Pair upstream = loopback.pair();
                Relay relay = Splice.relay(client.near(), upstream.near(), kind.options(mode).build());
                CompletableFuture<IOException> end = CompletableFuture.supplyAsync(() -> readUntilFailure(client.far()));
                Payload.write(upstream.far(), N);
                Loopback.abort(upstream.far());

                IOException failure = end.get(30, TimeUnit.SECONDS);
                assertInstanceOf(SocketException.class, failure, () -> "round " + failure);
                assertEquals("Connection reset", failure.getMessage());
                RelayResult result = relay.completion().get(30, TimeUnit.SECONDS);
                // Without --add-exports, a direction finds its sockets' fds in /proc by their
                // addresses, and a socket reset before that has none: in ZERO_COPY mode such a
                // relay can't start its direction and fails, which resets the client just the same.
                if (!(mode == SpliceMode.ZERO_COPY
                        && result.failure().orElse(null) instanceof ZeroCopyUnavailableException)) {
                    assertEquals(RelayResult.End.B_RESET, result.end(), result::toString);
                }
                client.close();
                upstream.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void aNormalEndStillArrivesAsAFinAfterEveryByte(RelayKind kind, SpliceMode mode) throws Exception {
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair client = loopback.pair();
            Loopback.Pair upstream = loopback.pair();
            Relay relay = Splice.relay(client.near(), upstream.near(), kind.options(mode).build());
            Payload.write(upstream.far(), N);
            upstream.far().shutdownOutput();
            assertEquals(Payload.expected(N), Payload.readToEnd(client.far()), "every byte, then the end of stream");
            client.far().shutdownOutput();
            assertEquals(Payload.expected(0), Payload.readToEnd(upstream.far()));
            RelayResult result = relay.completion().get(30, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.COMPLETED, result.end(), result::toString);
        }
    }

    /** The next read fails with a reset, not an end of stream and not with bytes. */
    private static void assertReset(SocketChannel channel) {
        SocketException e = assertThrows(SocketException.class, () -> {
            int read = channel.read(ByteBuffer.allocate(1));
            throw new AssertionError(read < 0 ? "a clean end of stream instead of a reset" : "more bytes: " + read);
        });
        assertEquals("Connection reset", e.getMessage());
    }

    /** The failure is the broken side's: read from it as a source, or written to it as a target. */
    private static void assertBroke(RelayResult result, SpliceException.Side... sides) {
        SpliceException failure = assertInstanceOf(SpliceException.class, result.failure().orElseThrow());
        assertTrue(java.util.List.of(sides).contains(failure.side().orElseThrow()), failure::toString);
    }

    /** Reads and checks the stream until a read fails; a clean end of stream is an error here. */
    private static IOException readUntilFailure(SocketChannel channel) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long offset = 0;
        try {
            int read;
            while ((read = channel.read(buffer.clear())) >= 0) {
                Payload.check(offset, buffer.flip());
                offset += read;
            }
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("a clean end of stream after " + offset + " bytes: the reset was lost");
    }
}
