package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.nio.ByteBuffer;
import java.nio.channels.InterruptedByTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Idle timeouts end idle relays and transfers within the timeout plus a second, and leave busy ones alone. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class IdleTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final long LIMIT_MILLIS = TIMEOUT.toMillis() + 1000;

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(30)
    void anIdleRelayEndsWithItsReasonAndBothPeersSeeTheClose(RelayKind kind, SpliceMode mode) throws Exception {
        try (Harness harness = new Harness()) {
            SpliceMetrics before = Splice.metrics();
            // Written first: a cold JVM may take longer than the timeout to get here from relay().
            Payload.write(harness.source().far(), 10_000);
            long created = System.nanoTime();
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).idleTimeout(TIMEOUT).build());
            assertEquals(Payload.expected(10_000), Payload.readExactly(harness.target().far(), 10_000));
            long idleSince = System.nanoTime();
            RelayResult result = relay.completion().get(LIMIT_MILLIS + 2000, TimeUnit.MILLISECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince);
            assertEquals(RelayResult.End.IDLE_TIMEOUT, result.end(), result::toString);
            long lifeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created);
            assertTrue(lifeMillis >= TIMEOUT.toMillis() && tookMillis <= LIMIT_MILLIS,
                    "ended after " + tookMillis + " ms idle, " + lifeMillis + " ms after it started");
            assertEquals(10_000, result.aToB().bytes());
            assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()), "the target's peer sees the close");
            assertEquals(Payload.expected(0), Payload.readToEnd(harness.source().far()), "the source's peer sees the close");
            assertTrue(Splice.metrics().minus(before).idleTimeouts() >= 1);
            System.out.printf("%s %s: idle relay ended after %d ms (timeout %d ms)%n", kind, mode, tookMillis,
                    TIMEOUT.toMillis());
        }
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(30)
    void aBusyRelayIsNotTouched(RelayKind kind, SpliceMode mode) throws Exception {
        try (Harness harness = new Harness()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).idleTimeout(TIMEOUT).build());
            ByteBuffer one = ByteBuffer.allocate(1);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * TIMEOUT.toMillis());
            int sent = 0;
            // A byte every fifth of the timeout, each waited for at the far end: always busy.
            while (System.nanoTime() - end < 0) {
                harness.source().far().write(one.clear().put(0, (byte) sent));
                harness.target().far().read(one.clear());
                assertEquals((byte) sent, one.get(0));
                sent++;
                assertFalse(relay.completion().isDone(), "ended while busy: " + relay.completion().getNow(null));
                Thread.sleep(TIMEOUT.toMillis() / 5); // pacing the traffic, not synchronising
            }
            harness.source().far().shutdownOutput();
            harness.target().far().shutdownOutput();
            RelayResult result = relay.completion().get(10, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.COMPLETED, result.end(), result::toString);
            assertEquals(sent, result.aToB().bytes());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"AUTO", "PORTABLE"})
    @Timeout(30)
    void anIdleTransferThrowsWithTheBytesDelivered(SpliceMode mode) throws Exception {
        try (Harness harness = new Harness()) {
            Future<Digest> received = harness.drain();
            Payload.write(harness.source().far(), 5_000);
            long start = System.nanoTime();
            Future<SpliceResult> transfer = harness.run(() -> Splice.spliceWithResult(harness.source().near(),
                    harness.target().near(), SpliceOptions.builder().mode(mode).idleTimeout(TIMEOUT).build()));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> transfer.get(LIMIT_MILLIS + 2000, TimeUnit.MILLISECONDS));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            IdleTimeoutException timeout = assertInstanceOf(IdleTimeoutException.class, e.getCause());
            assertInstanceOf(InterruptedByTimeoutException.class, timeout);
            assertEquals(5_000, timeout.bytesDelivered());
            assertEquals("no byte moved for PT0.5S; 5000 bytes delivered", timeout.getMessage());
            assertTrue(tookMillis <= LIMIT_MILLIS, "ended after " + tookMillis + " ms");
            harness.endTarget();
            try {
                assertEquals(Payload.expected(5_000), received.get(10, TimeUnit.SECONDS));
            } catch (TimeoutException notEnded) {
                throw new AssertionError("the drain did not end", notEnded);
            }
        }
    }
}
