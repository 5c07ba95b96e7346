package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Harness;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
    void aTargetThatStopsReadingBlocksTheRelayWithoutBuffering(RelayKind kind, SpliceMode mode) throws Exception {
        long size = 512L << 20;
        var fds = FdBaseline.take();
        try (Harness harness = new Harness()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).build());
            Future<?> feeder = harness.feed(size);
            // Nobody reads the target: the relay fills the kernel's buffers and its one pipe or
            // buffer, then must stop. Wait for the count to settle (bounded), then check the bound.
            long settled = awaitSettled(relay);
            System.out.printf("%s: relay stalled after %d bytes with the target not reading%n", mode, settled);
            assertTrue(settled < 128L << 20, "bytes moved to a target that reads nothing: " + settled);
            assertFalse(feeder.isDone(), "the source's writer is blocked too");

            long start = System.nanoTime();
            relay.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("%s: close() of the stalled relay took %d ms%n", mode, millis);
            assertTrue(millis < 500, "close() took " + millis + " ms");
            assertTrue(relay.completion().getNow(null).closedByCaller());
        }
        FdBaseline.assertNoLeak(fds);
    }

    /** Returns the a→b count once it has not moved for 300 ms; fails after 30 s. */
    private static long awaitSettled(Relay relay) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = relay.bytesAtoB();
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            } else if (last > 0 && System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(300)) {
                return last;
            }
            Thread.sleep(10); // sampling a counter, not synchronising: there is no event for "stopped"
        }
        throw new AssertionError("the relay never stopped moving bytes to a target that reads nothing");
    }
}
