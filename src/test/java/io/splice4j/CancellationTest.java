package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import io.splice4j.support.SocketRoute;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stopping a transfer that waits for data: it ends promptly with the JDK's exception, the peers see
 * the connection end, and no fd stays open, between TCP and Unix-domain sockets in every
 * combination. The promise is 100 ms; the assertions allow 1 s for a loaded CI machine, and each
 * test prints what it measured.
 */
@Tag("flag-free-jvm")
class CancellationTest {

    private static final long PROMISE_MILLIS = 100;
    private static final long ASSERTED_MILLIS = 1000;
    private static final long PRIMER = 10_000;

    /** A transfer running on its own thread, which records when it ended and how. */
    private record Running(Thread thread, CompletableFuture<Long> endedAt, CompletableFuture<Long> bytes) {
    }

    /** Every mode on a platform thread and, parked on the shared engine, on a virtual thread. */
    static Stream<Arguments> callers() {
        return Stream.of(Arguments.of(SpliceMode.ZERO_COPY, false), Arguments.of(SpliceMode.PORTABLE, false),
                Arguments.of(SpliceMode.ZERO_COPY, true), Arguments.of(SpliceMode.PORTABLE, true))
                .flatMap(caller -> SocketRoute.all().stream()
                        .map(route -> Arguments.of(caller.get()[0], caller.get()[1], route)));
    }

    private static Running start(Harness harness, SpliceMode mode, boolean virtual) throws Exception {
        CompletableFuture<Long> endedAt = new CompletableFuture<>();
        CompletableFuture<Long> bytes = new CompletableFuture<>();
        Thread thread = (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
            try {
                bytes.complete(Splice.splice(harness.source().near(), harness.target().near(),
                        SpliceOptions.defaults().withMode(mode)));
            } catch (Throwable t) {
                bytes.completeExceptionally(t);
            } finally {
                endedAt.complete(System.nanoTime());
            }
        });
        // Once these bytes have come out the other side, the loop is back waiting for more. A
        // transfer that fails at once (can't splice this route) fails the test with its cause.
        CompletableFuture<Digest> primed = new CompletableFuture<>();
        harness.run(() -> primed.complete(Payload.readExactly(harness.target().far(), PRIMER)));
        Payload.write(harness.source().far(), PRIMER);
        CompletableFuture.anyOf(primed, bytes).get(10, TimeUnit.SECONDS);
        if (bytes.isCompletedExceptionally()) {
            bytes.get();
        }
        assertEquals(Payload.expected(PRIMER), primed.get(10, TimeUnit.SECONDS));
        return new Running(thread, endedAt, bytes);
    }

    private static long millisSince(long start, Running running) throws Exception {
        long millis = TimeUnit.NANOSECONDS.toMillis(running.endedAt().get(10, TimeUnit.SECONDS) - start);
        System.out.printf("%s: ended %d ms after the request (promise: %d ms)%n",
                new Throwable().getStackTrace()[1].getMethodName(), millis, PROMISE_MILLIS);
        assertTrue(millis < ASSERTED_MILLIS, "ended after " + millis + " ms");
        return millis;
    }

    private static Throwable failure(Running running) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> running.bytes().get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** The far end sees end-of-stream or a reset: the socket is really closed, not kept alive by an fd. */
    private static void assertPeerSeesClose(SocketChannel far) throws IOException {
        try {
            assertEquals(Payload.expected(0), Payload.readToEnd(far));
        } catch (IOException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
        }
    }

    @ParameterizedTest(name = "{2}, {0}, virtual thread: {1}")
    @MethodSource("callers")
    void closingTheSourceEndsTheTransfer(SpliceMode mode, boolean virtual, SocketRoute route) throws Exception {
        var fds = FdBaseline.take();
        try (Harness harness = route.harness()) {
            Running running = start(harness, mode, virtual);
            long start = System.nanoTime();
            harness.source().near().close();
            millisSince(start, running);
            assertInstanceOf(AsynchronousCloseException.class, failure(running));
            assertPeerSeesClose(harness.source().far());
            assertTrue(harness.target().near().isOpen(), "the other channel is left open");
        }
        FdBaseline.assertNoLeak(fds);
    }

    @ParameterizedTest(name = "{2}, {0}, virtual thread: {1}")
    @MethodSource("callers")
    void closingTheTargetEndsTheTransfer(SpliceMode mode, boolean virtual, SocketRoute route) throws Exception {
        var fds = FdBaseline.take();
        try (Harness harness = route.harness()) {
            Running running = start(harness, mode, virtual);
            long start = System.nanoTime();
            harness.target().near().close();
            millisSince(start, running);
            assertInstanceOf(AsynchronousCloseException.class, failure(running));
            assertPeerSeesClose(harness.target().far());
        }
        FdBaseline.assertNoLeak(fds);
    }

    @ParameterizedTest(name = "{2}, {0}, virtual thread: {1}")
    @MethodSource("callers")
    void interruptingTheThreadClosesBothChannels(SpliceMode mode, boolean virtual, SocketRoute route) throws Exception {
        var fds = FdBaseline.take();
        try (Harness harness = route.harness()) {
            Running running = start(harness, mode, virtual);
            long start = System.nanoTime();
            running.thread().interrupt();
            millisSince(start, running);
            assertInstanceOf(ClosedByInterruptException.class, failure(running));
            assertFalse(harness.source().near().isOpen());
            assertFalse(harness.target().near().isOpen());
            assertPeerSeesClose(harness.source().far());
            assertPeerSeesClose(harness.target().far());
        }
        FdBaseline.assertNoLeak(fds);
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModesAndRoutes")
    void closingAnIdleRelayReturnsPromptly(RelayKind kind, SpliceMode mode, SocketRoute route) throws Exception {
        var fds = FdBaseline.take();
        try (Harness harness = route.harness()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).build());
            Payload.write(harness.source().far(), PRIMER);
            assertEquals(Payload.expected(PRIMER), Payload.readExactly(harness.target().far(), PRIMER));

            long start = System.nanoTime();
            relay.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("relay.close(): returned after %d ms (promise: %d ms)%n", millis, PROMISE_MILLIS);
            assertTrue(millis < ASSERTED_MILLIS, "close() took " + millis + " ms");

            RelayResult result = relay.completion().getNow(null);
            assertTrue(result.closedByCaller(), result::toString);
            assertEquals(PRIMER, result.aToB().bytes());
            assertTrue(result.failure().isEmpty(), result::toString);
            assertPeerSeesClose(harness.source().far());
            assertPeerSeesClose(harness.target().far());
            relay.close(); // idempotent
        }
        FdBaseline.assertNoLeak(fds);
    }
}
