package io.splice4j.engine;

import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Run in a JVM whose virtual-thread scheduler has two carriers: parks N virtual threads in
 * {@link Splice#splice} on idle sockets, then checks that another virtual thread still ticks on
 * time, that the parked transfers still work, and that they spliced. Prints one line per stage.
 */
public final class PinningProbe {

    private PinningProbe() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        try (Loopback loopback = new Loopback(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Loopback.Pair> sources = new ArrayList<>();
            List<Loopback.Pair> targets = new ArrayList<>();
            List<Future<SpliceResult>> transfers = new ArrayList<>();
            long waitsBefore = Splice.metrics().readinessWaits();
            for (int i = 0; i < count; i++) {
                Loopback.Pair source = loopback.pair();
                Loopback.Pair target = loopback.pair();
                sources.add(source);
                targets.add(target);
                transfers.add(virtual.submit(() -> Splice.spliceWithResult(source.near(), target.near(),
                        SpliceOptions.defaults())));
            }
            // Each transfer counts a readiness wait just before it parks.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Splice.metrics().readinessWaits() - waitsBefore < count && System.nanoTime() < deadline) {
                Thread.sleep(10); // sampling a counter; there is no event for "all parked"
            }
            System.out.println("PARKED " + (Splice.metrics().readinessWaits() - waitsBefore));

            long[] maxLateNanos = new long[1];
            Thread ticker = Thread.ofVirtual().start(() -> {
                for (int tick = 0; tick < 100; tick++) {
                    long start = System.nanoTime();
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                    maxLateNanos[0] = Math.max(maxLateNanos[0], System.nanoTime() - start - 10_000_000L);
                }
            });
            ticker.join();
            System.out.println("TICKS max-late-ms=" + TimeUnit.NANOSECONDS.toMillis(maxLateNanos[0]));

            long size = 1 << 20;
            var sent = Payload.write(sources.get(0).far(), size);
            sources.get(0).far().shutdownOutput();
            var received = Payload.readExactly(targets.get(0).far(), size);
            SpliceResult first = transfers.get(0).get(30, TimeUnit.SECONDS);
            System.out.println("LIVE path=" + first.path() + " bytes=" + first.bytes() + " intact=" + sent.equals(received));

            for (Loopback.Pair source : sources.subList(1, count)) {
                source.far().shutdownOutput();
            }
            int zeroCopy = 0;
            for (Future<SpliceResult> transfer : transfers) {
                if (transfer.get(60, TimeUnit.SECONDS).path() == TransferPath.ZERO_COPY) {
                    zeroCopy++;
                }
            }
            System.out.println("DONE zero-copy=" + zeroCopy);
        }
    }
}
