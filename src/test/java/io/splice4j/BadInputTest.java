package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.splice4j.support.WrappingSocketChannel;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad arguments fail with the documented exception before anything is read: each test puts five
 * bytes in the source's receive buffer and checks they are still there afterwards.
 */
class BadInputTest {

    private static final int PENDING = 5;

    private Harness harness;
    private SocketChannel source;
    private SocketChannel target;

    @BeforeEach
    void connect() throws IOException {
        harness = new Harness();
        source = harness.source().near();
        target = harness.target().near();
        Payload.write(harness.source().far(), PENDING);
    }

    @AfterEach
    void close() throws IOException {
        harness.close();
    }

    private void assertNothingConsumed() throws IOException {
        assertEquals(Payload.expected(PENDING), Payload.readExactly(source, PENDING));
    }

    private <T extends Throwable> T assertRejected(Class<T> type, Executable call) throws IOException {
        T thrown = assertThrows(type, call);
        assertNothingConsumed();
        return thrown;
    }

    @Test
    void nullSourceNamesTheArgument() throws IOException {
        var e = assertRejected(NullPointerException.class, () -> Splice.splice(4096, null, target));
        assertEquals("source", e.getMessage());
    }

    @Test
    void nullTargetNamesTheArgument() throws IOException {
        var e = assertRejected(NullPointerException.class, () -> Splice.splice(4096, source, null));
        assertEquals("target", e.getMessage());
    }

    @Test
    void nullOptionsNamesTheArgument() throws IOException {
        var e = assertRejected(NullPointerException.class, () -> Splice.splice(source, target, null));
        assertEquals("options", e.getMessage());
    }

    @Test
    void nullModeNamesTheArgument() {
        var e = assertThrows(NullPointerException.class, () -> SpliceOptions.builder().mode(null));
        assertEquals("mode", e.getMessage());
    }

    @Test
    void zeroChunkSizeIsRejected() throws IOException {
        var e = assertRejected(IllegalArgumentException.class, () -> Splice.splice(0, source, target));
        assertEquals("chunkSize must be positive: 0", e.getMessage());
    }

    @Test
    void negativeChunkSizeIsRejected() throws IOException {
        var e = assertRejected(IllegalArgumentException.class, () -> Splice.splice(-1, source, target));
        assertEquals("chunkSize must be positive: -1", e.getMessage());
    }

    @Test
    void closedSourceIsRejected() throws IOException {
        source.close();
        assertThrows(ClosedChannelException.class, () -> Splice.splice(4096, source, target));
        // Closed: nothing can have been read from it, and the target got nothing either.
        target.shutdownOutput();
        assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()));
    }

    @Test
    void closedTargetIsRejected() throws IOException {
        target.close();
        assertRejected(ClosedChannelException.class, () -> Splice.splice(4096, source, target));
    }

    @Test
    void unconnectedSourceIsRejected() throws IOException {
        try (SocketChannel unconnected = SocketChannel.open()) {
            assertThrows(NotYetConnectedException.class, () -> Splice.splice(4096, unconnected, target));
        }
        target.shutdownOutput();
        assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()));
    }

    @Test
    void unconnectedTargetIsRejected() throws IOException {
        try (SocketChannel unconnected = SocketChannel.open()) {
            assertRejected(NotYetConnectedException.class, () -> Splice.splice(4096, source, unconnected));
        }
    }

    @Test
    void nonBlockingSourceIsRejected() throws IOException {
        source.configureBlocking(false);
        assertThrows(IllegalBlockingModeException.class, () -> Splice.splice(4096, source, target));
        source.configureBlocking(true);
        assertNothingConsumed();
    }

    @Test
    void nonBlockingTargetIsRejected() throws IOException {
        target.configureBlocking(false);
        assertRejected(IllegalBlockingModeException.class, () -> Splice.splice(4096, source, target));
    }

    @Test
    void aChannelThatIsNotTheJdksIsNeverSpliced() throws IOException {
        SocketChannel wrapper = new WrappingSocketChannel(target);
        var e = assertRejected(ZeroCopyUnavailableException.class,
                () -> Splice.splice(source, wrapper, SpliceOptions.defaults().withMode(SpliceMode.ZERO_COPY)));
        assertEquals(FallbackReason.UNSUPPORTED_CHANNEL, e.reason());
        assertEquals("zero-copy unavailable: a channel is not the JDK's own socket channel: "
                + source.getClass().getName() + ", " + WrappingSocketChannel.class.getName(), e.getMessage());
    }
}
