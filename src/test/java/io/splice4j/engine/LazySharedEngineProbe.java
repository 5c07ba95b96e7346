package io.splice4j.engine;

import io.splice4j.Splice;
import io.splice4j.SpliceResult;
import io.splice4j.SpliceOptions;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;

/**
 * A child JVM's main: one platform-thread transfer whose bytes are all there before it starts (it
 * never waits), then one that waits for its source; prints whether the shared engine's loop
 * threads were running after each.
 */
public final class LazySharedEngineProbe {

    private LazySharedEngineProbe() {
    }

    /**
     * Runs the two transfers.
     *
     * @param args none
     * @throws Exception if a transfer fails
     */
    public static void main(String[] args) throws Exception {
        try (Harness harness = new Harness()) {
            Payload.write(harness.source().far(), 4096);
            harness.source().far().shutdownOutput();
            var received = harness.drain();
            SpliceResult result = Splice.spliceWithResult(harness.source().near(), harness.target().near(),
                    SpliceOptions.defaults());
            harness.endTarget();
            System.out.println("NOWAIT " + result.path() + " " + result.bytes() + " " + received.get().length()
                    + " loops=" + loopThreads());
        }
        try (Harness harness = new Harness()) {
            var fed = harness.feed(1 << 20);
            var received = harness.drain();
            // The feeder thread starts writing while the transfer already waits for its source.
            SpliceResult result = Splice.spliceWithResult(harness.source().near(), harness.target().near(),
                    SpliceOptions.defaults());
            harness.endTarget();
            System.out.println("WAITED " + result.bytes() + " " + fed.get().length() + " " + received.get().length()
                    + " loops=" + loopThreads());
        }
    }

    private static long loopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("splice4j-shared")).count();
    }
}
