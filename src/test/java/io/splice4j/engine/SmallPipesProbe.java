package io.splice4j.engine;

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

/**
 * Run as an unprivileged user: an engine that wants 1 MiB pipes and may hold 400 of them meets the
 * user's {@code pipe-user-pages-soft} (64 MiB by default), past which the kernel hands out two-page
 * pipes and refuses to grow them. Relays with stalled readers make the engine hold many pipes; then
 * the readers start and every byte must still arrive. Prints what the pool saw, then the verdict.
 */
public final class SmallPipesProbe {

    private SmallPipesProbe() {
    }

    public static void main(String[] args) throws Exception {
        int relays = Integer.parseInt(args[0]);
        long size = 2L << 20;
        List<Harness> harnesses = new ArrayList<>();
        SpliceMetrics before = Splice.metrics();
        try (SpliceEngine engine = SpliceEngine.builder().loops(2).pipeSize(1 << 20).maxPipes(400)
                .maxPipeBytes(1L << 30).build()) {
            List<Relay> running = new ArrayList<>();
            List<List<Future<Digest>>> ends = new ArrayList<>();
            for (int i = 0; i < relays; i++) {
                Harness harness = new Harness();
                harnesses.add(harness);
                for (SocketChannel channel : List.of(harness.target().near(), harness.target().far(),
                        harness.source().near(), harness.source().far())) {
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
                }
                running.add(Splice.relay(harness.source().near(), harness.target().near(),
                        SpliceOptions.builder().engine(engine).build()));
                ends.add(List.of(harness.feed(size), harness.feedBack(size)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (engine.pipeResizeRefusals() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // sampling until the kernel has refused a big pipe
            }
            System.out.println("POOL refusals=" + engine.pipeResizeRefusals() + " pipes=" + engine.openPipes()
                    + " bytes=" + engine.openPipeBytes());
            int intact = 0;
            for (int i = 0; i < relays; i++) {
                Future<Digest> drained = harnesses.get(i).drain();
                Future<Digest> drainedBack = harnesses.get(i).drainBack();
                RelayResult result;
                if (ends.get(i).get(0).get().equals(drained.get()) && ends.get(i).get(1).get().equals(drainedBack.get())
                        && (result = running.get(i).completion().get(1, TimeUnit.MINUTES)).completed()
                        && result.aToB().bytes() == size && result.bToA().bytes() == size) {
                    intact++;
                }
            }
            SpliceMetrics delta = Splice.metrics().minus(before);
            System.out.println("INTACT " + intact + " of " + relays + " spliced=" + delta.bytesSpliced() + " copied="
                    + delta.bytesCopied() + " pool-exhausted=" + delta.fallbacks(FallbackReason.POOL_EXHAUSTED));
        } finally {
            for (Harness harness : harnesses) {
                harness.close();
            }
        }
    }
}
