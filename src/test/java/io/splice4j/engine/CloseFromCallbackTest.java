package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceOptions;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Relay#close()} called where a relay's completion is delivered, on an engine's loop thread
 * ("the control connection ended, close its data relay"), must neither deadlock that loop nor
 * return before the closed relay has ended, when it can know that without waiting for another loop.
 */
class CloseFromCallbackTest {

    @Test
    @Timeout(30)
    void aRelayOfTheSameLoopClosedFromACompletionCallbackEndsAndTheLoopGoesOn() throws Exception {
        try (Harness control = new Harness();
             Harness data = new Harness();
             SpliceEngine engine = SpliceEngine.builder().loops(1).name("callback-close").build()) {
            Relay first = Splice.relay(control.source().near(), control.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            Relay second = Splice.relay(data.source().near(), data.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            CompletableFuture<Boolean> endedWhenCloseReturned = first.completion().thenApply(result -> {
                second.close();
                return second.completion().isDone();
            });
            // The first relay ends by itself: both far ends end their streams, so the loop completes it.
            control.source().far().shutdownOutput();
            control.target().far().shutdownOutput();

            assertEquals(RelayResult.End.COMPLETED, first.completion().get(10, TimeUnit.SECONDS).end());
            assertEquals(RelayResult.End.CLOSED, second.completion().get(5, TimeUnit.SECONDS).end(),
                    "the second relay ended");
            assertTrue(endedWhenCloseReturned.get(5, TimeUnit.SECONDS),
                    "close() on the relay's own loop returned after the relay had ended");
            assertEquals(Payload.expected(0), Payload.readToEnd(data.target().far()), "the data peer sees the close");
        }
    }

    @Test
    @Timeout(30)
    void relaysOfOtherLoopsAndThreadedRelaysClosedFromACallbackEndToo() throws Exception {
        try (Harness control = new Harness();
             Harness onOtherLoop = new Harness();
             Harness threaded = new Harness();
             SpliceEngine engine = SpliceEngine.builder().loops(2).name("callback-close-2").build()) {
            Relay first = Splice.relay(control.source().near(), control.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            // Round robin: the next relay lands on the other loop.
            Relay second = Splice.relay(onOtherLoop.source().near(), onOtherLoop.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            Relay third = Splice.relay(threaded.source().near(), threaded.target().near(),
                    SpliceOptions.builder().executor(command -> Thread.ofPlatform().daemon().start(command)).build());
            CompletableFuture<Void> closed = first.completion().thenAccept(result -> {
                second.close();
                third.close();
            });
            control.source().far().shutdownOutput();
            control.target().far().shutdownOutput();

            closed.get(10, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.CLOSED, second.completion().get(5, TimeUnit.SECONDS).end());
            assertEquals(RelayResult.End.CLOSED, third.completion().get(5, TimeUnit.SECONDS).end());
            // Both loops still serve relays (round robin puts one of these on each).
            for (int i = 0; i < 2; i++) {
                try (Harness later = new Harness()) {
                    Relay relay = Splice.relay(later.source().near(), later.target().near(),
                            SpliceOptions.builder().engine(engine).build());
                    Payload.write(later.source().far(), 100_000);
                    assertEquals(Payload.expected(100_000), Payload.readExactly(later.target().far(), 100_000));
                    relay.close();
                }
            }
        }
    }
}
