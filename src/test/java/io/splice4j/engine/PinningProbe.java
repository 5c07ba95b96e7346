package io.splice4j.engine;

import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Run in a JVM whose virtual-thread scheduler has two carriers: parks N virtual threads in
 * {@link Splice#splice} on idle sockets ({@code sockets}), or in file → socket
 * {@link Splice#transferWithResult} calls whose sockets nobody reads ({@code files}), then checks
 * that another virtual thread still ticks on time, that the parked transfers still work, and that
 * they spliced. Prints one line per stage.
 */
public final class PinningProbe {

    private PinningProbe() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        boolean files = args.length > 1 && args[1].equals("files");
        long size = 1 << 20;
        Path file = Files.createTempFile("splice4j-pinning", ".bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            Payload.write(out, 0, size);
        }
        try (Loopback loopback = new Loopback(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
                FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Loopback.Pair> sources = new ArrayList<>();
            List<Loopback.Pair> targets = new ArrayList<>();
            List<Future<SpliceResult>> transfers = new ArrayList<>();
            long waitsBefore = Splice.metrics().readinessWaits();
            for (int i = 0; i < count; i++) {
                Loopback.Pair source = loopback.pair();
                Loopback.Pair target = loopback.pair();
                sources.add(source);
                targets.add(target);
                if (files) {
                    // A small send buffer, and a peer that doesn't read: each send parks early.
                    target.near().setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
                    transfers.add(virtual.submit(() -> Splice.transferWithResult(in, 0, size, target.near(),
                            SpliceOptions.defaults())));
                } else {
                    transfers.add(virtual.submit(() -> Splice.spliceWithResult(source.near(), target.near(),
                            SpliceOptions.defaults())));
                }
            }
            // Each transfer counts a readiness wait just before it parks.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Splice.metrics().readinessWaits() - waitsBefore < count && System.nanoTime() < deadline) {
                Thread.sleep(10); // sampling a counter; there is no event for "all parked"
            }
            // Each transfer counts a wait before it parks; a send that moved bytes between two waits
            // counts another, so "at least one each" is what proves they all parked.
            long waits = Splice.metrics().readinessWaits() - waitsBefore;
            System.out.println("PARKED " + Math.min(waits, count));

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

            var sent = files ? Payload.expected(size) : Payload.write(sources.get(0).far(), size);
            sources.get(0).far().shutdownOutput();
            var received = Payload.readExactly(targets.get(0).far(), size);
            SpliceResult first = transfers.get(0).get(30, TimeUnit.SECONDS);
            System.out.println("LIVE path=" + first.path() + " bytes=" + first.bytes() + " intact=" + sent.equals(received));

            List<Future<?>> drains = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                sources.get(i).far().shutdownOutput();
                Loopback.Pair target = targets.get(i);
                if (files) {
                    drains.add(virtual.submit(() -> Payload.readExactly(target.far(), size)));
                }
            }
            for (Future<?> drain : drains) {
                drain.get(60, TimeUnit.SECONDS);
            }
            int zeroCopy = 0;
            for (Future<SpliceResult> transfer : transfers) {
                if (transfer.get(60, TimeUnit.SECONDS).path() == TransferPath.ZERO_COPY) {
                    zeroCopy++;
                }
            }
            System.out.println("DONE zero-copy=" + zeroCopy);
        } finally {
            Files.delete(file);
        }
    }
}
