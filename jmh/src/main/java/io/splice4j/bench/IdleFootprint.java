package io.splice4j.bench;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.support.ChildJvm;
import io.splice4j.support.FarEnds;
import io.splice4j.support.OpenFds;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * Idle footprint: what relays that carry nothing cost while they wait, per relay. Not a
 * JMH benchmark: the far ends of 9 000 relays must live in another process (fd limit), so this is a
 * main that the suite runs in a JVM of its own after JMH, and that forks {@link FarEnds}:
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
 *     -XX:NativeMemoryTracking=summary -Xms512m -Xmx512m -XX:+AlwaysPreTouch
 *     -cp jmh/target/benchmarks.jar io.splice4j.bench.IdleFootprint --kind=engine|threads --relays=N}</pre>
 *
 * It warms the relay code up with a few in-process relays, takes a snapshot (heap used after GC,
 * NMT committed memory outside the heap, RSS, threads, fds), starts the far ends, accepts a client
 * connection and opens an upstream connection for each relay, has every client's 64 bytes answered
 * through its relay with their SHA-256 (each client checks it), waits, takes a second snapshot, and
 * measures the process CPU over {@value #IDLE_MILLIS} ms of idleness. Then it closes every relay,
 * checks that each moved exactly the 64 bytes one way and the 32 of the answer the other, that the
 * far ends saw every connection close, and that the fd count is back where it was. One line,
 * {@code FOOTPRINT key=value ...}, carries the results.
 *
 * <p>The heap is pre-touched and fixed, so the RSS growth is native memory (thread stacks, NMT's
 * categories, the JIT), not heap pages being touched for the first time.
 */
public final class IdleFootprint {

    private static final int IDLE_MILLIS = 2000;
    private static final int WARM_UP_RELAYS = 16;
    private static final int TIMEOUT_SECONDS = 120;

    private IdleFootprint() {
    }

    public static void main(String[] args) throws Exception {
        String kind = "engine";
        int relays = 9000;
        for (String arg : args) {
            if (arg.startsWith("--kind=")) {
                kind = arg.substring("--kind=".length());
            } else if (arg.startsWith("--relays=")) {
                relays = Integer.parseInt(arg.substring("--relays=".length()));
            } else {
                throw new IllegalArgumentException("usage: IdleFootprint --kind=engine|threads --relays=N");
            }
        }
        if (!kind.equals("engine") && !kind.equals("threads")) {
            throw new IllegalArgumentException("--kind is engine or threads, not " + kind);
        }
        System.out.println("FOOTPRINT " + run(kind.equals("engine"), relays));
        System.exit(0); // the shared engine's hook, if any, runs; nothing else is left
    }

    private static String run(boolean onEngine, int relays) throws Exception {
        // Fds in this JVM: an engine relay holds its two sockets; a zero-copy thread-per-direction
        // relay also a duplicate of both and a pipe per direction. The far ends hold two per relay.
        // The engine's default pool holds at most min(1024, 64 MiB / 256 KiB) = 256 pipes, 2 fds each.
        int perRelay = onEngine ? 2 : 10;
        long limit = OpenFds.limit();
        if ((long) relays * perRelay + (onEngine ? 2 * 256 : 0) + 256 > limit || 2L * relays + 256 > limit) {
            throw new IllegalStateException(relays + " relays need " + relays * perRelay + " fds here and " + 2 * relays
                    + " in the far ends' JVM, over the limit of " + limit + ": use fewer");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        SpliceEngine engine = onEngine
                ? SpliceEngine.builder().loops(cores).name("footprint-engine").build()
                : null;
        // Threads: a platform thread per direction, named by an executor (the defaults would run the
        // relays on the shared engine).
        ExecutorService threads = onEngine ? null : Executors.newCachedThreadPool();
        SpliceOptions options = onEngine
                ? SpliceOptions.builder().mode(SpliceMode.ZERO_COPY).engine(engine).build()
                : SpliceOptions.builder().mode(SpliceMode.ZERO_COPY).executor(threads).build();
        List<Relay> open = new ArrayList<>(relays);
        ChildJvm farEnds = null;
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096)) {
            warmUp(listener, options);
            if (!onEngine) {
                // Idle threaded directions park on the shared engine, which starts at the first
                // park (the warm-up's relays never wait that long): its loops belong to the JVM,
                // not to these relays.
                SpliceEngine.shared();
            }
            Snapshot before = Snapshot.take();

            farEnds = ChildJvm.start(null, FarEnds.class, List.of("-Xmx256m"),
                    String.valueOf(((InetSocketAddress) listener.getLocalAddress()).getPort()), String.valueOf(relays));
            String upstreamLine = farEnds.await("UPSTREAM", TIMEOUT_SECONDS);
            InetSocketAddress upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(upstreamLine.substring("UPSTREAM ".length()).trim()));
            long setupStart = System.nanoTime();
            for (int i = 0; i < relays; i++) {
                SocketChannel client = listener.accept();
                SocketChannel server;
                try {
                    server = SocketChannel.open(upstream);
                } catch (IOException e) {
                    client.close();
                    throw e;
                }
                open.add(Splice.relay(client, server, options));
            }
            expect(farEnds.await("CONNECTED", TIMEOUT_SECONDS), "CONNECTED " + relays, farEnds);
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            farEnds.send("GO");
            expect(farEnds.await("VERIFIED", TIMEOUT_SECONDS), "VERIFIED " + relays + " failed 0", farEnds);

            Thread.sleep(500);
            Snapshot after = Snapshot.take();
            ProcessCpu cpu = new ProcessCpu();
            long cpuStart = cpu.nanos();
            long wallStart = System.nanoTime();
            Thread.sleep(IDLE_MILLIS);
            double idleCpuPercent = 100.0 * (cpu.nanos() - cpuStart) / (System.nanoTime() - wallStart);
            int pipes = engine == null ? -1 : engine.openPipes(); // threads: a pipe per direction, by design

            closeAll(open);
            for (Relay relay : open) {
                RelayResult result = relay.completion().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (result.failure().isPresent() || result.aToB().bytes() != FarEnds.MESSAGE
                        || result.bToA().bytes() != FarEnds.ANSWER) {
                    throw new IllegalStateException("a relay ended with " + result + ", not " + FarEnds.MESSAGE
                            + " bytes one way and " + FarEnds.ANSWER + " the other");
                }
            }
            expect(farEnds.await("CLOSED", TIMEOUT_SECONDS), "CLOSED " + 2 * relays + " of " + 2 * relays, farEnds);
            if (farEnds.await(60) != 0) {
                throw new IllegalStateException("the far ends did not exit cleanly; their output:\n"
                        + farEnds.output());
            }
            farEnds.close(); // its pipes, before the fds are counted
            if (engine != null) {
                engine.close();
            }
            long fdsLeft = OpenFds.count() - before.fds;
            if (fdsLeft > 0) {
                throw new IllegalStateException(fdsLeft + " more fds open after closing every relay than before");
            }

            return String.format(Locale.ROOT,
                    "kind=%s relays=%d loops=%d heapPerRelay=%.0f nativePerRelay=%.0f rssPerRelay=%.0f"
                            + " threads=%d fdsPerRelay=%.2f pipes=%d idleCpuPercent=%.2f setupSeconds=%.1f"
                            + " heapMiB=%.1f nativeMiB=%.1f rssMiB=%.1f fdsLeft=%d verified=%d",
                    onEngine ? "engine" : "threads", relays, onEngine ? cores : 0,
                    (after.heapUsed - before.heapUsed) / (double) relays,
                    (after.nativeCommitted - before.nativeCommitted) / (double) relays,
                    (after.rss - before.rss) / (double) relays, after.threads - before.threads,
                    (after.fds - before.fds) / (double) relays, pipes, idleCpuPercent, setupSeconds,
                    after.heapUsed / 1048576.0, after.nativeCommitted / 1048576.0, after.rss / 1048576.0, fdsLeft,
                    relays);
        } finally {
            closeAll(open);
            if (engine != null) {
                engine.close();
            }
            if (threads != null) {
                threads.shutdown();
            }
            if (farEnds != null) {
                farEnds.close();
            }
        }
    }

    /**
     * Closes the relays all at once: a thread-per-direction relay's close waits up to one 20 ms poll
     * slice for its threads, which one after another would take 20 s for 1 000 relays.
     */
    private static void closeAll(List<Relay> relays) {
        try (ExecutorService closers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Relay relay : relays) {
                closers.execute(relay::close);
            }
        }
    }

    /** A few relays with both ends here, so the classes and code they need are in before the snapshot. */
    private static void warmUp(ServerSocketChannel listener, SpliceOptions options) throws Exception {
        InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
        for (int i = 0; i < WARM_UP_RELAYS; i++) {
            try (SocketChannel client = SocketChannel.open(address);
                 SocketChannel upstreamClient = SocketChannel.open(address)) {
                SocketChannel a = listener.accept();
                SocketChannel upstream = listener.accept();
                Relay relay = Splice.relay(a, upstreamClient, options);
                ByteBuffer message = ByteBuffer.wrap(new byte[FarEnds.MESSAGE]);
                client.write(message);
                ByteBuffer got = ByteBuffer.allocate(FarEnds.MESSAGE);
                while (got.hasRemaining() && upstream.read(got) >= 0) {
                    // until the message is through
                }
                upstream.write(got.flip());
                got.clear();
                while (got.hasRemaining() && client.read(got) >= 0) {
                    // until the echo is back
                }
                relay.close();
                upstream.close();
            }
        }
    }

    private static void expect(String line, String expected, ChildJvm farEnds) {
        if (!line.equals(expected)) {
            throw new IllegalStateException("the far ends said '" + line + "', expected '" + expected + "'; output:\n"
                    + farEnds.output());
        }
    }

    /** What the process holds at one moment. */
    private record Snapshot(long heapUsed, long nativeCommitted, long rss, int threads, long fds) {

        private static final Pattern TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
        private static final Pattern HEAP = Pattern.compile("Java Heap \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

        static Snapshot take() throws Exception {
            Runtime runtime = Runtime.getRuntime();
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long heapUsed = runtime.totalMemory() - runtime.freeMemory();
            String nmt = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher total = TOTAL.matcher(nmt);
            Matcher heap = HEAP.matcher(nmt);
            if (!total.find() || !heap.find()) {
                throw new IllegalStateException("no NMT summary (run with -XX:NativeMemoryTracking=summary): " + nmt);
            }
            long nativeCommitted = (Long.parseLong(total.group(2)) - Long.parseLong(heap.group(2))) * 1024;
            long rss = 0;
            int threads = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.replaceAll("\\D", ""));
                }
            }
            return new Snapshot(heapUsed, nativeCommitted, rss, threads, OpenFds.count());
        }
    }
}
