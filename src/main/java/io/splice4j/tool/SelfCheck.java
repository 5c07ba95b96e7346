package io.splice4j.tool;

import io.splice4j.RelayResult;
import io.splice4j.Splice;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a new user runs first: 1 GiB from a local source through an in-process forwarder to a local
 * sink, once zero-copy and once portable, SHA-256 verified, with throughput and CPU per GiB.
 */
final class SelfCheck {

    private static final long SIZE = 1L << 30;
    private static final double GIB = 1 << 30;
    /** A block of a prime length, so the stream's period never lines up with a chunk or page size. */
    private static final int BLOCK = (1 << 20) + 7;

    private final PrintStream out;
    private final byte[] pattern = new byte[BLOCK * 2];

    private SelfCheck(PrintStream out) {
        this.out = out;
        new SplittableRandom(42).nextBytes(pattern);
        System.arraycopy(pattern, 0, pattern, BLOCK, BLOCK);
    }

    /** Runs both passes; returns whether every byte arrived intact on every pass that ran. */
    static boolean run(PrintStream out) throws Exception {
        return new SelfCheck(out).run();
    }

    private boolean run() throws Exception {
        out.printf("splice4j self-check: Java %s, %d cores, %s %s%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"));
        out.println("zero-copy available: " + (Splice.zeroCopy() ? "yes"
                : "no (" + Splice.zeroCopyUnavailableReason().orElse("?") + ")"));
        String expected = sha256OfStream();
        boolean intact = true;
        if (Splice.zeroCopy()) {
            intact &= pass("zero-copy", "zero-copy", expected);
        } else {
            out.println("zero-copy: skipped, unavailable in this JVM");
        }
        intact &= pass("portable ", "portable", expected);
        out.println(intact ? "self-check OK" : "self-check FAILED: bytes did not arrive intact");
        return intact;
    }

    private boolean pass(String label, String mode, String expected) throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        CompletableFuture<RelayResult> relayEnd = new CompletableFuture<>();
        try (ServerSocketChannel sinkServer = ServerSocketChannel.open().bind(loopback);
             ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen",
                     "127.0.0.1:0", "--connect", "127.0.0.1:" + sinkServer.socket().getLocalPort(), "--mode", mode),
                     relayEnd::complete, relayEnd::completeExceptionally)) {
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            CompletableFuture<Side> received = onThread(() -> receive(sinkServer));
            CompletableFuture<Side> sent = onThread(() -> send(forwarder.address()));
            Side sink = received.get(2, TimeUnit.MINUTES);
            Side source = sent.get(2, TimeUnit.MINUTES);
            RelayResult relay = relayEnd.get(1, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            double processCpu = (processCpuNanos() - cpuBefore) / 1e9;
            double forwarderCpu = processCpu - (sink.cpuNanos + source.cpuNanos) / 1e9;
            boolean intact = sink.bytes == SIZE && sink.sha256.equals(expected) && relay.completed();
            out.printf("%s: %.2f GiB in %.2f s = %.2f GiB/s; CPU-s per GiB: process %.2f, forwarder %.2f;"
                    + " path client->upstream %s, upstream->client %s; SHA-256 %s%n", label, SIZE / GIB, seconds,
                    SIZE / GIB / seconds, processCpu / (SIZE / GIB), forwarderCpu / (SIZE / GIB),
                    relay.aToB().path(), relay.bToA().path(), intact ? "OK" : "MISMATCH (" + sink + ")");
            return intact;
        }
    }

    private record Side(long bytes, String sha256, long cpuNanos) {
    }

    private interface Work {
        Side call() throws Exception;
    }

    private static CompletableFuture<Side> onThread(Work work) {
        CompletableFuture<Side> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Writes the stream into the forwarder, then reads the (empty) reply to its end. */
    private Side send(SocketAddress forwarder) throws IOException {
        long cpu = ThreadCpu.now();
        try (SocketChannel channel = SocketChannel.open(forwarder)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(256 * 1024);
            for (long written = 0; written < SIZE; ) {
                int start = (int) (written % BLOCK);
                int length = (int) Math.min(chunk.capacity(), SIZE - written);
                chunk.clear();
                chunk.put(pattern, start, length).flip();
                while (chunk.hasRemaining()) {
                    written += channel.write(chunk);
                }
            }
            channel.shutdownOutput();
            chunk.clear();
            while (channel.read(chunk) >= 0) {
                chunk.clear();
            }
        }
        return new Side(SIZE, "", ThreadCpu.now() - cpu);
    }

    /** Accepts the forwarder's connection and hashes everything it delivers. */
    private static Side receive(ServerSocketChannel sink) throws IOException {
        long cpu = ThreadCpu.now();
        MessageDigest sha = sha256();
        long total = 0;
        try (SocketChannel channel = sink.accept()) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
            int read;
            while ((read = channel.read(buffer)) >= 0) {
                buffer.flip();
                sha.update(buffer);
                buffer.clear();
                total += read;
            }
        }
        return new Side(total, HexFormat.of().formatHex(sha.digest()), ThreadCpu.now() - cpu);
    }

    private String sha256OfStream() {
        MessageDigest sha = sha256();
        for (long done = 0; done < SIZE; ) {
            int start = (int) (done % BLOCK);
            int length = (int) Math.min(256 * 1024, SIZE - done);
            sha.update(pattern, start, length);
            done += length;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
}
