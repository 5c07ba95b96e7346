package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged forwarder's {@code --access-log}: to standard output, a JSON line per connection
 * between the start line and the summary; to a FIFO nobody reads, forwarding goes on at full speed,
 * the lines it can't take are dropped and counted in the metrics and the summary, and SIGTERM still
 * ends it with 0.
 */
class AccessLogIT {

    @TempDir
    Path directory;

    @Test
    @Timeout(60)
    void toStandardOutputALinePerConnection() throws Exception {
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--access-log", "-")) {
            String banner = jar.nextLine();
            assertTrue(banner.contains(", access log to standard output, "), banner);
            InetSocketAddress forwarder = loopback(ForwarderJar.port(banner));
            for (int i = 0; i < 3; i++) {
                try (SocketChannel client = SocketChannel.open(forwarder)) {
                    Wire.roundTrip(client, i);
                }
            }
            for (int i = 0; i < 3; i++) {
                Map<String, Object> entry = StrictJson.object(jar.nextLine());
                assertEquals("completed", entry.get("end"), entry.toString());
                assertEquals("127.0.0.1:" + echo.port(), entry.get("upstream"), entry.toString());
            }
            assertEquals(0, jar.terminate(), jar.stderr());
            String out = jar.stdout();
            assertTrue(out.contains("splice4j summary: 3 connections (3 completed"), out);
            assertTrue(!out.contains("access log lines dropped"), out);
        }
    }

    @Test
    @Timeout(60)
    void aLogThatCantBeOpenedEndsTheStartWithItsName() throws Exception {
        Path missing = directory.resolve("no such directory").resolve("access.log");
        try (ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:1", "--access-log",
                missing.toString())) {
            assertEquals(1, jar.await());
            assertEquals("splice4j: can't start on /127.0.0.1:0: --access-log '" + missing
                    + "': no such file or directory\n", jar.stderr());
        }
    }

    @Test
    @Timeout(150)
    void aFifoNobodyReadsStopsNoForwardingAndItsDropsAreCounted() throws Exception {
        Path fifo = Fifo.make(directory.resolve("access.fifo"));
        CompletableFuture<FileChannel> reader = Fifo.reader(fifo);
        // More lines than the pipe (64 KiB, ~450 lines) and the queue (8 192) hold.
        int threads = 4;
        int each = 2_500;
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--access-log", fifo.toString(), "--metrics-listen", "127.0.0.1:0");
             FileChannel unread = reader.get(30, TimeUnit.SECONDS)) {
            String banner = jar.nextLine();
            Matcher metrics = Pattern.compile(", metrics on (\\S+), ").matcher(banner);
            assertTrue(metrics.find(), banner);
            InetSocketAddress forwarder = loopback(ForwarderJar.port(banner));
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * each;
                clients.add(CompletableFuture.runAsync(() -> {
                    for (int i = first; i < first + each; i++) {
                        try (SocketChannel client = SocketChannel.open(forwarder)) {
                            Wire.roundTrip(client, i);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }, runnable -> Thread.ofPlatform().daemon().start(runnable)));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            assertTrue(echo.awaitNoneOpen(10));
            double droppedSoFar = PrometheusTextParser.parse(Http.get(URI.create(metrics.group(1))).body())
                    .get("splice4j_log_dropped_lines_total").value("log", "access");
            assertTrue(droppedSoFar > 0, "the metrics count the drops too: " + droppedSoFar);
            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            int connections = threads * each;
            assertTrue(summary.contains(connections + " connections (" + connections + " completed"), summary);
            Matcher dropped = Pattern.compile("access log lines dropped \\(its destination fell behind or failed\\): "
                    + "(\\d+)").matcher(summary);
            assertTrue(dropped.find(), summary);
            // Lines of ~220 bytes: 1 000 of them are more than the pipe and the writer's batch hold.
            long count = Long.parseLong(dropped.group(1));
            assertTrue(count >= connections - 8_192 - 1_000 && count <= connections, summary);
            assertTrue(unread.isOpen());
        }
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
