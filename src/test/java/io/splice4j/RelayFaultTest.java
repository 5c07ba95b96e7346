package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Harness;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import io.splice4j.support.TcpQueues;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Faults end a relay with the documented result: the first failure, both channels closed, no fd left. */
class RelayFaultTest {

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    void aPeerResetMidTransferIsTheRelaysFailure(RelayKind kind, SpliceMode mode) throws Exception {
        var fds = FdBaseline.take();
        try (Harness harness = new Harness()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).build());
            harness.feed(256L << 20);
            assertEquals(Payload.expected(1 << 20), Payload.readExactly(harness.target().far(), 1 << 20));
            Loopback.resetOnClose(harness.target().far());
            harness.target().far().close();

            RelayResult result = relay.completion().get(1, TimeUnit.MINUTES);
            assertEquals(RelayResult.End.B_RESET, result.end(), result::toString);
            // Both directions see the reset; whichever reports first is the relay's failure.
            SpliceException failure = assertInstanceOf(SpliceException.class, result.failure().orElseThrow());
            // Native calls (splice, and an engine's copies) name the errno; the JDK's channel
            // operations on threads name the operation.
            assertTrue(failure.errnoName() != null ? Set.of("EPIPE", "ECONNRESET").contains(failure.errnoName())
                    : Set.of("write(target)", "read(source)").contains(failure.operation()), failure.getMessage());
            assertTrue(result.aToB().bytes() >= 1 << 20, result::toString);
            assertTrue(failure.bytesDelivered() == result.aToB().bytes()
                    || failure.bytesDelivered() == result.bToA().bytes(), "the failure's count is its direction's");
            assertFalse(result.closedByCaller());
            assertFalse(harness.source().near().isOpen());
            assertFalse(harness.target().near().isOpen());
        }
        FdBaseline.assertNoLeak(fds);
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void aTargetThatStopsReadingBlocksTheRelayWithoutBuffering(RelayKind kind, SpliceMode mode) throws Exception {
        var fds = FdBaseline.take();
        try (Harness harness = new Harness()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).build());
            AtomicLong written = new AtomicLong();
            Future<?> feeder = harness.run(() -> writeCounting(harness.source().far(), written));
            // Nobody reads the target: the relay fills the target's kernel buffers and its one pipe or
            // buffer, then must stop taking bytes from the source, whose writer then blocks in turn.
            Stall stall = awaitStall(harness, relay, written);
            System.out.printf("%s %s: stalled with %s%n", kind, mode, stall);
            assertTrue(stall.delivered() < 128L << 20, "bytes moved to a target that reads nothing: " + stall);
            // What the relay took from the source and has not delivered is in its hands: one pipe or
            // one chunk at the most (engine pipes are smaller), never more bytes read ahead.
            assertTrue(stall.heldByRelay() <= SpliceOptions.DEFAULT_CHUNK_SIZE,
                    "the relay holds more than a pipe or chunk: " + stall);
            assertFalse(feeder.isDone(), "the source's writer is blocked too");

            long start = System.nanoTime();
            relay.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("%s %s: close() of the stalled relay took %d ms%n", kind, mode, millis);
            assertTrue(millis < 500, "close() took " + millis + " ms");
            assertTrue(relay.completion().getNow(null).closedByCaller());
        }
        FdBaseline.assertNoLeak(fds);
    }

    /**
     * Where the source's bytes are once everything has stopped. Bytes the relay's socket has received
     * but not yet acknowledged count in both queues, so the relay can look as if it held less (even
     * a few KiB less than nothing), never more.
     *
     * @param written what the source's writer wrote (its write calls' returns)
     * @param sourceUnacknowledged the writer's socket's bytes not yet acknowledged
     * @param sourceUnread the relay's source socket's bytes not yet read
     * @param delivered what the relay reports the target accepted
     */
    private record Stall(long written, long sourceUnacknowledged, long sourceUnread, long delivered) {

        /** What the relay read from the source: written, less what the kernel still holds on the way. */
        long takenFromSource() {
            return written - sourceUnacknowledged - sourceUnread;
        }

        /** Taken from the source and not delivered: in the relay's pipe or buffer. */
        long heldByRelay() {
            return takenFromSource() - delivered;
        }

        @Override
        public String toString() {
            return "%d written, %d + %d in the source's kernel queues, %d taken from the source, %d delivered, %d held"
                    .formatted(written, sourceUnacknowledged, sourceUnread, takenFromSource(), delivered,
                            heldByRelay());
        }
    }

    /**
     * Writes until the channel fails, counting what each write returned. 64 KiB at a time: a write
     * blocked midway has put part of its bytes into the kernel uncounted, which can only make the
     * relay look as if it held less, and by less than that.
     */
    private static Void writeCounting(SocketChannel channel, AtomicLong written) throws IOException {
        ByteBuffer bytes = Payload.direct(64 << 10);
        for (;;) {
            ByteBuffer next = bytes.duplicate();
            while (next.hasRemaining()) {
                written.addAndGet(channel.write(next));
            }
        }
    }

    /**
     * Returns the stall once neither the writer's count nor the relay's has moved for 300 ms, the
     * kernel's queues read in between; fails after 30 s.
     */
    private static Stall awaitStall(Harness harness, Relay relay, AtomicLong written) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long lastWritten = -1;
        long lastDelivered = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long nowWritten = written.get();
            long nowDelivered = relay.bytesAtoB();
            if (nowWritten != lastWritten || nowDelivered != lastDelivered) {
                lastWritten = nowWritten;
                lastDelivered = nowDelivered;
                stableSince = System.nanoTime();
            } else if (nowDelivered > 0 && System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(300)) {
                // The writer's side first: bytes passing to the reader's side meanwhile count twice.
                TcpQueues writer = TcpQueues.of(harness.source().far());
                TcpQueues reader = TcpQueues.of(harness.source().near());
                if (written.get() == nowWritten && relay.bytesAtoB() == nowDelivered) {
                    return new Stall(nowWritten, writer.unacknowledged(), reader.unread(), nowDelivered);
                }
            }
            Thread.sleep(10); // sampling counters, not synchronising: there is no event for "stopped"
        }
        throw new AssertionError("the relay never stopped moving bytes to a target that reads nothing");
    }
}
