package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceOptions;
import io.splice4j.support.Harness;
import io.splice4j.support.OpenFds;
import io.splice4j.support.Payload;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Closing an engine ends its relays and frees its fds; a closed engine takes no new relay. */
class EngineLifecycleTest {

    @Test
    void closingTheEngineEndsItsRelaysAndFreesEveryFd() throws Exception {
        Payload.expected(1); // the JDK opens /dev/random and /dev/urandom for good on first use
        try (Harness harness = new Harness()) {
            var before = OpenFds.list();
            SpliceEngine engine = SpliceEngine.builder().loops(2).name("lifecycle").build();
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            Payload.write(harness.source().far(), 100_000);
            assertEquals(Payload.expected(100_000), Payload.readExactly(harness.target().far(), 100_000));

            engine.close();
            RelayResult result = relay.completion().get(10, TimeUnit.SECONDS);
            assertInstanceOf(AsynchronousCloseException.class, result.failure().orElseThrow());
            assertEquals(100_000, result.aToB().bytes());
            assertFalse(harness.source().near().isOpen());
            assertFalse(harness.target().near().isOpen());
            assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()), "the peer sees the close");
            assertEquals("", OpenFds.openedSince(before), "fds left by the engine");

            var e = assertThrows(IllegalStateException.class, () -> Splice.relay(harness.source().far(),
                    harness.target().far(), SpliceOptions.builder().engine(engine).build()));
            assertEquals("the engine is closed", e.getMessage());
        }
    }

    /**
     * A channel closed by its owner instead of through {@link Relay#close()} ends the relay at the
     * next event on its socket (the JDK shuts down the output of a registered socket it closes),
     * not at the relay's periodic check a second later.
     */
    @Test
    @Timeout(30)
    void aChannelClosedByItsOwnerEndsTheRelayAtOnce() throws Exception {
        try (Harness harness = new Harness();
             SpliceEngine engine = SpliceEngine.builder().loops(1).name("owner-close").build()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            Payload.write(harness.source().far(), 100_000);
            assertEquals(Payload.expected(100_000), Payload.readExactly(harness.target().far(), 100_000));

            long start = System.nanoTime();
            harness.target().near().close();
            RelayResult result = relay.completion().get(10, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("a channel closed by its owner ended its engine relay in %d ms%n", millis);
            assertEquals(RelayResult.End.FAILED, result.end());
            assertInstanceOf(AsynchronousCloseException.class, result.failure().orElseThrow());
            assertEquals(100_000, result.aToB().bytes());
            assertFalse(harness.source().near().isOpen(), "the relay closed its other channel");
            assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()), "the peer sees the close");
            // The periodic check alone (every second) would take 500-1000 ms here.
            assertTrue(millis < 400, "the close was noticed after " + millis + " ms");
        }
    }
}
