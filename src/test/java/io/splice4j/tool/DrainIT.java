package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM drains the packaged forwarder: it stops accepting at once (a new connect is refused), the
 * connections open finish for {@code --drain-timeout} (30 s by default), the rest are reset (never
 * ended cleanly: their clients must not take a cut download for a whole one), the counts are
 * printed, and it exits 0. A second signal ends the drain at once.
 */
class DrainIT {

    private static final int CLIENTS = 20;
    private static final long SIZE = 256L << 20;
    /** Every client has received this much before the signal, so all of them are mid-stream. */
    private static final long STARTED = 8L << 20;

    @Test
    @Timeout(120)
    void withTheDefaultDrainEveryDownloadInFlightCompletesIntact() throws Exception {
        try (Upstream upstream = new Upstream(SIZE);
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", upstream.address())) {
            InetSocketAddress forwarder = loopback(jar.awaitListening());
            List<Download> downloads = Download.start(forwarder, CLIENTS, 0);
            Download.awaitAll(downloads, STARTED);

            jar.process.toHandle().destroy();
            assertTrue(jar.nextLine().startsWith("splice4j: stopping on a stop signal: not accepting; "), "stopping");
            assertThrows(ConnectException.class, () -> SocketChannel.open(forwarder).close(),
                    "the listener is closed at once");
            for (Download download : downloads) {
                assertEquals(Payload.expected(SIZE), download.result.get(90, TimeUnit.SECONDS), "a download");
            }
            assertTrue(jar.process.waitFor(60, TimeUnit.SECONDS), "exited");
            assertEquals(0, jar.process.exitValue(), jar.stderr());
            String out = jar.stdout();
            assertTrue(out.contains(CLIENTS + " of " + CLIENTS + " connections ended by themselves, 0 reset"), out);
            assertTrue(out.contains(CLIENTS + " connections (" + CLIENTS + " completed, "), out);
        }
    }

    @Test
    @Timeout(120)
    void whenTheDrainTimeoutPassesTheUnfinishedDownloadsEndByResetAndTheCountIsPrinted() throws Exception {
        try (Upstream upstream = new Upstream(SIZE);
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", upstream.address(),
                     "--drain-timeout", "1s")) {
            InetSocketAddress forwarder = loopback(jar.awaitListening());
            // Paced readers: 256 MiB takes them minutes, so none finishes within the drain's second.
            List<Download> downloads = Download.start(forwarder, CLIENTS, 20);
            Download.awaitAll(downloads, 1 << 20);

            jar.process.toHandle().destroy();
            assertTrue(jar.process.waitFor(60, TimeUnit.SECONDS), "exited");
            assertEquals(0, jar.process.exitValue(), jar.stderr());
            for (Download download : downloads) {
                assertReset(download);
            }
            String out = jar.stdout();
            assertTrue(out.contains("0 of " + CLIENTS + " connections ended by themselves, " + CLIENTS + " reset"), out);
            assertTrue(out.contains("shutdown: " + CLIENTS + " connections still open at the end of the drain were "
                    + "reset"), out);
        }
    }

    @Test
    @Timeout(120)
    void aSecondSignalEndsTheDrainAtOnce() throws Exception {
        try (Upstream upstream = new Upstream(SIZE);
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", upstream.address())) {
            InetSocketAddress forwarder = loopback(jar.awaitListening());
            List<Download> downloads = Download.start(forwarder, CLIENTS, 20);
            Download.awaitAll(downloads, 1 << 20);

            jar.process.toHandle().destroy();
            assertTrue(jar.nextLine().startsWith("splice4j: stopping on a stop signal"), "stopping");
            long start = System.nanoTime();
            jar.process.toHandle().destroy();
            assertTrue(jar.process.waitFor(60, TimeUnit.SECONDS), "exited");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(0, jar.process.exitValue(), jar.stderr());
            // The drain would have waited 30 s for the paced readers.
            assertTrue(millis < 15_000, "the second signal ended the drain after " + millis + " ms");
            for (Download download : downloads) {
                assertReset(download);
            }
            assertTrue(jar.stdout().contains(CLIENTS + " reset"), jar.stdout());
        }
    }

    private static void assertReset(Download download) throws Exception {
        var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> download.result.get(60, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof SocketException, failure.toString());
        assertEquals("Connection reset", failure.getCause().getMessage());
        assertTrue(download.received.get() < SIZE, "cut short: " + download.received.get());
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** One client reading a download to its end, checking it on the way; paced if asked. */
    private record Download(AtomicLong received, CompletableFuture<Digest> result) {

        static List<Download> start(InetSocketAddress forwarder, int count, int pauseMillis) throws IOException {
            List<Download> downloads = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                SocketChannel client = SocketChannel.open(forwarder);
                AtomicLong received = new AtomicLong();
                CompletableFuture<Digest> result = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() -> {
                    try (client) {
                        result.complete(read(client, received, pauseMillis));
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                });
                downloads.add(new Download(received, result));
            }
            return downloads;
        }

        /** Reads to the end of the stream; a reset or a wrong byte fails it. */
        private static Digest read(SocketChannel client, AtomicLong received, int pauseMillis) throws Exception {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            long total = 0;
            int n;
            while ((n = client.read(buffer.clear())) >= 0) {
                Payload.check(total, buffer.flip());
                sha.update(buffer.array(), 0, n);
                total += n;
                received.set(total);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis); // pacing the reader, not synchronising
                }
            }
            return new Digest(total, HexFormat.of().formatHex(sha.digest()));
        }

        static void awaitAll(List<Download> downloads, long bytes) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Download download : downloads) {
                while (download.received.get() < bytes) {
                    assertTrue(!download.result.isDone() || download.received.get() >= bytes, "a download ended early");
                    assertTrue(System.nanoTime() < deadline, "a download never got " + bytes + " bytes");
                    Thread.sleep(5); // sampling a counter: no event says "this many bytes arrived"
                }
            }
        }
    }

    /** Serves every connection {@code size} bytes of the payload, then reads its end and closes. */
    private static final class Upstream implements AutoCloseable {

        private final ServerSocketChannel server;
        private final CountDownLatch stopped = new CountDownLatch(1);

        Upstream(long size) throws IOException {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (;;) {
                        SocketChannel connection = server.accept();
                        Thread.ofPlatform().daemon().start(() -> serve(connection, size));
                    }
                } catch (IOException closed) {
                    stopped.countDown();
                }
            });
        }

        private static void serve(SocketChannel connection, long size) {
            try (connection) {
                Payload.write(connection, size);
                connection.shutdownOutput();
                Payload.readToEnd(connection);
            } catch (IOException cutShort) {
                // The drain's reset reaches this side too.
            }
        }

        String address() throws IOException {
            return "127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            stopped.await(10, TimeUnit.SECONDS);
        }
    }
}
