package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Loopback;
import io.splice4j.support.SocketKind;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What every blocking read of a peer's first bytes ({@link ProxyProtocol#read}, {@link TlsPreread#read})
 * must do over a loopback pair of either kind. They share one deadline loop, and so these checks.
 */
final class PrereadScenarios {

    static final Duration SHORT = Duration.ofMillis(300);
    /** Time allowed past a timeout for the thread to notice and return: generous on 2 busy cores. */
    static final long MARGIN_MS = 2_000;

    /**
     * A read under test.
     *
     * @param <T> what it returns
     */
    @FunctionalInterface
    interface Read<T> {
        T read(SocketChannel channel, Duration timeout) throws IOException;
    }

    private PrereadScenarios() {
    }

    static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Reads to end-of-stream. */
    static byte[] readAll(SocketChannel channel) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(1 << 16);
        while (true) {
            if (!all.hasRemaining()) {
                all = ByteBuffer.allocate(all.capacity() * 2).put(all.flip());
            }
            if (channel.read(all) < 0) {
                return Arrays.copyOf(all.array(), all.position());
            }
        }
    }

    /**
     * The peer sends {@code sent} and ends the stream; the bytes of the result that a caller passes
     * on, then what is left in the channel, must be {@code expected}: none lost, none twice, in order.
     *
     * @param forwarded the bytes of a result that a caller sends on before the rest
     * @return the result
     */
    static <T> T nothingIsLost(SocketKind kind, byte[] sent, Read<T> read, Function<T, ByteBuffer> forwarded,
            byte[] expected) throws Exception {
        try (ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor(); Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            Future<?> written = writer.submit(() -> {
                writeFully(pair.far(), sent);
                pair.far().shutdownOutput();
                return null;
            });
            T result = read.read(pair.near(), Duration.ofSeconds(20));
            ByteBuffer first = forwarded.apply(result);
            assertEquals(0, first.position());
            byte[] arrived = ProxyHeaderParserTest.concat(ProxyHeaderTest.bytes(first), readAll(pair.near()));
            written.get(20, TimeUnit.SECONDS);
            assertEquals(expected.length, arrived.length);
            assertEquals(ProxyHeaderParserTest.sha256(expected, 0, expected.length),
                    ProxyHeaderParserTest.sha256(arrived, 0, arrived.length));
            assertTrue(pair.near().isBlocking(), "still blocking");
            if (kind == SocketKind.TCP) {
                assertEquals(0, pair.near().socket().getSoTimeout(), "SO_TIMEOUT put back");
            }
            return result;
        }
    }

    /**
     * The peer sends {@code partial} and stalls: the read fails with {@code message} and a
     * {@link SocketTimeoutException} as its cause after {@link #SHORT}, no sooner and not much
     * later, and leaves the channel open, blocking, with its {@code SO_TIMEOUT}, and working.
     */
    static void aStallFailsInTime(SocketKind kind, byte[] partial, Read<?> read, Class<? extends IOException> type,
            String message) throws Exception {
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            if (kind == SocketKind.TCP) {
                pair.near().socket().setSoTimeout(1234);
            }
            writeFully(pair.far(), partial);
            long start = System.nanoTime();
            IOException e = assertThrows(type, () -> read.read(pair.near(), SHORT));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("stalled read: failed after " + elapsedMs + " ms (timeout 300 ms)");
            assertEquals(message, e.getMessage());
            assertInstanceOf(SocketTimeoutException.class, e.getCause());
            assertTrue(elapsedMs >= SHORT.toMillis(), "failed early: " + elapsedMs + " ms");
            assertTrue(elapsedMs < SHORT.toMillis() + MARGIN_MS, "failed late: " + elapsedMs + " ms");
            assertTrue(pair.near().isOpen(), "closing is the caller's job");
            assertTrue(pair.near().isBlocking());
            if (kind == SocketKind.TCP) {
                assertEquals(1234, pair.near().socket().getSoTimeout());
            }
            // The channel still works: what the peer sends next arrives.
            writeFully(pair.far(), new byte[] {1, 2, 3});
            pair.far().shutdownOutput();
            assertEquals("[1, 2, 3]", Arrays.toString(readAll(pair.near())));
        }
    }

    /**
     * The peer sends {@code sent}, then ends the stream if {@code end}: the read fails with
     * {@code message} at once, not after its 50-second timeout.
     */
    static void failsAtOnce(SocketKind kind, byte[] sent, boolean end, Read<?> read, Class<? extends IOException> type,
            String message) throws Exception {
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            writeFully(pair.far(), sent);
            if (end) {
                pair.far().shutdownOutput();
            }
            long start = System.nanoTime();
            IOException e = assertThrows(type, () -> read.read(pair.near(), Duration.ofSeconds(50)));
            assertEquals(message, e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "waited for the timeout");
        }
    }
}
