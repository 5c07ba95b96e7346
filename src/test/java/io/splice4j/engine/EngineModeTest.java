package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.splice4j.FallbackReason;
import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.ZeroCopyUnavailableException;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import io.splice4j.support.WrappingSocketChannel;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An engine follows the mode like every other path: ZERO_COPY fails rather than copy, AUTO copies and says why. */
class EngineModeTest {

    @Test
    @Timeout(30)
    void aChannelThatIsNotTheJdksFollowsTheMode() throws Exception {
        try (Harness harness = new Harness()) {
            SocketChannel wrapped = new WrappingSocketChannel(harness.target().near());
            SpliceOptions zeroCopy = SpliceOptions.builder().engine(SpliceEngine.shared()).mode(SpliceMode.ZERO_COPY)
                    .build();
            ZeroCopyUnavailableException refused = assertThrows(ZeroCopyUnavailableException.class,
                    () -> Splice.relay(harness.source().near(), wrapped, zeroCopy));
            assertEquals(FallbackReason.UNSUPPORTED_CHANNEL, refused.reason());
            assertEquals("zero-copy unavailable: a channel is not the JDK's own socket channel: "
                    + harness.source().near().getClass().getName() + ", " + WrappingSocketChannel.class.getName(),
                    refused.getMessage());

            Relay relay = Splice.relay(harness.source().near(), wrapped, zeroCopy.toBuilder().mode(SpliceMode.AUTO)
                    .build());
            Payload.write(harness.source().far(), 100_000);
            assertEquals(Payload.expected(100_000), Payload.readExactly(harness.target().far(), 100_000));
            harness.source().far().shutdownOutput();
            harness.target().far().shutdownOutput();
            RelayResult result = relay.completion().get(10, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.COMPLETED, result.end(), result::toString);
            assertEquals(new SpliceResult(100_000, TransferPath.PORTABLE, Optional.of(FallbackReason.UNSUPPORTED_CHANNEL)),
                    result.aToB());
        }
    }

    @Test
    @Timeout(30)
    void anExhaustedPoolFailsAZeroCopyRelayInsteadOfCopying() throws Exception {
        try (SpliceEngine engine = SpliceEngine.builder().loops(1).maxPipes(1).pipeSize(64 * 1024).build();
                Harness holder = new Harness(); Harness starved = new Harness()) {
            SpliceOptions zeroCopy = SpliceOptions.builder().engine(engine).mode(SpliceMode.ZERO_COPY).build();
            // The first relay's target doesn't read: its pipe stays full and the pool's only pipe taken.
            holder.target().far().setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            Relay first = Splice.relay(holder.source().near(), holder.target().near(), zeroCopy);
            holder.feed(8L << 20);
            awaitStalled(first);

            Relay second = Splice.relay(starved.source().near(), starved.target().near(), zeroCopy);
            Payload.write(starved.source().far(), 1000);
            RelayResult result = second.completion().get(10, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.FAILED, result.end(), result::toString);
            ZeroCopyUnavailableException refused = (ZeroCopyUnavailableException) result.failure().orElseThrow();
            assertEquals(FallbackReason.POOL_EXHAUSTED, refused.reason());
            assertEquals("zero-copy unavailable: the engine's pipe pool is exhausted", refused.getMessage());
            assertEquals(0, result.aToB().bytes(), "nothing was copied");
            assertFalse(first.completion().isDone(), "the first relay still runs");
            first.close();
        }
    }

    /**
     * Samples the relay's count until it has moved bytes and then stopped for a while: its target's
     * buffers are full, so its pipe holds bytes it can't pump. There is no event for that.
     */
    private static void awaitStalled(Relay relay) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        int unchanged = 0;
        while (unchanged < 10) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the first relay never stalled: " + relay.bytesAtoB() + " bytes");
            }
            Thread.sleep(20);
            long now = relay.bytesAtoB();
            unchanged = now > 0 && now == last ? unchanged + 1 : 0;
            last = now;
        }
    }
}
