package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.FallbackReason;
import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMetrics;
import io.splice4j.SpliceOptions;
import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An engine capped at 8 pipes carries 100 relays streaming both ways at once: flows that find the
 * pool empty copy through the loop's buffer instead of waiting, every byte still arrives, and the
 * metrics count those fallbacks. The readers start late, so that flows stuck on full targets hold
 * pipes with bytes in them and the others must find the pool empty.
 */
class PoolCapTest {

    @Test
    void aHundredRelaysOnEightPipesDeliverEveryByte() throws Exception {
        int relays = 100;
        long size = 2L << 20;
        List<Harness> harnesses = new ArrayList<>();
        SpliceMetrics before = Splice.metrics();
        try (SpliceEngine engine = SpliceEngine.builder().loops(2).maxPipes(8).pipeSize(64 * 1024).build()) {
            List<Relay> running = new ArrayList<>();
            List<List<Future<Digest>>> ends = new ArrayList<>();
            for (int i = 0; i < relays; i++) {
                Harness harness = new Harness();
                harnesses.add(harness);
                // Small fixed socket buffers, so that a stalled reader stalls its flow at once.
                for (SocketChannel channel : List.of(harness.source().near(), harness.source().far(),
                        harness.target().near(), harness.target().far())) {
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
                }
                running.add(Splice.relay(harness.source().near(), harness.target().near(),
                        SpliceOptions.builder().engine(engine).chunkSize(64 * 1024).build()));
                ends.add(List.of(harness.feed(size), harness.feedBack(size)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Splice.metrics().minus(before).fallbacks(FallbackReason.POOL_EXHAUSTED) == 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(10); // sampling a counter until the pool has run dry
            }
            for (int i = 0; i < relays; i++) {
                ends.set(i, List.of(ends.get(i).get(0), harnesses.get(i).drain(), ends.get(i).get(1),
                        harnesses.get(i).drainBack()));
            }
            int maxOpenPipes = 0;
            for (int i = 0; i < relays; i++) {
                maxOpenPipes = Math.max(maxOpenPipes, engine.openPipes());
                assertEquals(ends.get(i).get(0).get(), ends.get(i).get(1).get(), "relay " + i + " a->b");
                assertEquals(ends.get(i).get(2).get(), ends.get(i).get(3).get(), "relay " + i + " b->a");
                RelayResult result = running.get(i).completion().get(1, TimeUnit.MINUTES);
                assertTrue(result.completed(), result::toString);
            }
            SpliceMetrics delta = Splice.metrics().minus(before);
            System.out.printf("pool cap 8: %d pool-exhausted copies, %d bytes spliced, %d copied, at most %d pipes seen%n",
                    delta.fallbacks(FallbackReason.POOL_EXHAUSTED), delta.bytesSpliced(), delta.bytesCopied(),
                    maxOpenPipes);
            assertTrue(delta.fallbacks(FallbackReason.POOL_EXHAUSTED) > 0, "pool-exhausted fallbacks counted");
            assertTrue(delta.bytesSpliced() > 0, "the pooled pipes were used");
            assertEquals(2L * relays * size, delta.bytesSpliced() + delta.bytesCopied());
            assertTrue(engine.openPipes() <= 8, "open pipes: " + engine.openPipes());
            assertTrue(maxOpenPipes <= 8, "open pipes seen: " + maxOpenPipes);
        } finally {
            for (Harness harness : harnesses) {
                harness.close();
            }
        }
    }
}
