package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.it.ProcFs;
import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged jar as users run it: {@code java -jar splice4j.jar ...} with no JVM flags. Every
 * process started here is stopped by its PID (SIGTERM, then SIGKILL if it hangs).
 */
class ForwarderIT {

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--listen", "--listen 127.0.0.1:1", "--bogus", "--listen 127.0.0.1:1 --connect "
            + "127.0.0.1:2 --mode fast", "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --max-connections 0",
        "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --loops 0", "--listen 127.0.0.1:1 --connect 127.0.0.1:2 "
            + "--idle-timeout 0s", "--listen 127.0.0.1:1 --connect 127.0.0.1:2 --connect-timeout soon"})
    void badArgumentsPrintTheUsageAndExit2(String line) throws Exception {
        try (ForwarderJar jar = new ForwarderJar(line.isEmpty() ? new String[0] : line.split(" "))) {
            assertEquals(2, jar.await());
            String stderr = jar.stderr();
            assertTrue(stderr.startsWith("splice4j: "), stderr);
            assertTrue(stderr.contains("usage: java -jar splice4j.jar"), stderr);
            assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), "no stack trace: " + stderr);
        }
    }

    @Test
    void aListenAddressInUseExits1WithAMessage() throws Exception {
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(loopback(0));
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:" + taken.socket().getLocalPort(), "--connect",
                     "127.0.0.1:1")) {
            assertEquals(1, jar.await());
            assertEquals("splice4j: can't start on /127.0.0.1:" + taken.socket().getLocalPort()
                    + ": Address already in use\n", jar.stderr());
        }
    }

    @Test
    void forwardsBothWaysWithZeroCopyAndSummarisesOnSigterm() throws Exception {
        long request = 32L << 20;
        long reply = 8L << 20;
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(loopback(0));
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:"
                     + ((InetSocketAddress) upstream.getLocalAddress()).getPort())) {
            String banner = jar.nextLine();
            Matcher listening = ForwarderJar.LISTENING.matcher(banner);
            assertTrue(listening.matches(), banner);
            assertTrue(banner.endsWith("zero-copy on"), "the manifest's flags enable zero-copy: " + banner);

            CompletableFuture<Digest> upstreamReceived = ForwarderJar.upstreamOnce(upstream, reply);
            try (SocketChannel client = SocketChannel.open(loopback(Integer.parseInt(listening.group(1))))) {
                Digest sent = Payload.write(client, request);
                client.shutdownOutput();
                assertEquals(Payload.expected(reply), Payload.readToEnd(client), "the whole reply");
                assertEquals(sent, upstreamReceived.get(30, TimeUnit.SECONDS), "the whole request");
            }

            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            assertTrue(summary.contains("splice4j summary: 1 connections (1 completed, 0 failed"), summary);
            assertTrue(summary.contains("bytes client->upstream " + request + ", upstream->client " + reply), summary);
            assertTrue(summary.contains("directions by path: ZERO_COPY=2 PORTABLE=0"), summary);
            assertFalse(jar.stderr().contains("WARNING"), "no warnings: " + jar.stderr());
        }
    }

    @Test
    void theStartLineSaysWhatRunsTheRelaysAndTheLimitsAndByDefaultNothingIsLoggedPerConnection() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        try (EchoServer echo = new EchoServer();
             // The JVM raises the soft limit to the hard one, so both are set.
             ForwarderJar jar = new ForwarderJar(List.of("prlimit", "--nofile=1000", "--"), "--listen", "127.0.0.1:0",
                     "--connect", "127.0.0.1:" + echo.port(), "--idle-timeout", "90s")) {
            String banner = jar.nextLine();
            // 64 fds + 4 per loop reserved; at most a pipe per 8 of the other fds (a quarter as many
            // pipes as connections), 2 fds each.
            int reserve = 64 + 4 * cores;
            int pipeFds = 2 * Math.max(cores, (1000 - reserve) / 8);
            assertTrue(banner.matches(Pattern.quote("splice4j: forwarding /127.0.0.1:" + ForwarderJar.port(banner)
                    + " -> /127.0.0.1:" + echo.port() + ", mode AUTO, " + cores + " event loops, max connections "
                    + (1000 - pipeFds - reserve) / 2 + " (the least of: open-files limit 1000 - " + pipeFds
                    + " pipe fds - " + reserve + " reserved, 2 per connection; max heap ") + "\\d+"
                    + Pattern.quote(" MiB, 16 KiB per connection), connect timeout 10s, idle timeout 90s, drain "
                    + "timeout 30s, zero-copy on")), banner);
            for (int i = 0; i < 3; i++) {
                try (SocketChannel client = SocketChannel.open(loopback(ForwarderJar.port(banner)))) {
                    Wire.roundTrip(client, i);
                }
            }
            assertEquals(0, jar.terminate());
            assertTrue(jar.stdout().contains("3 connections (3 completed, 0 failed"), jar.stdout());
            assertEquals("", jar.stderr(), "nothing logged per connection by default");
        }
    }

    @Test
    @Timeout(60)
    void withoutAnEngineRelaysRunOnVirtualThreads() throws Exception {
        int connections = 500;
        List<SocketChannel> clients = new ArrayList<>();
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar(List.of(), List.of("-Dsplice4j.mode=portable"), "--listen",
                     "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port())) {
            String banner = jar.nextLine();
            assertTrue(banner.contains(", mode AUTO, virtual threads (no engine without zero-copy), max connections "),
                    banner);
            assertTrue(banner.endsWith(", zero-copy off (disabled by -Dsplice4j.mode=portable)"), banner);
            int threadsListening = ProcFs.threads(jar.pid());
            try {
                for (int i = 0; i < connections; i++) {
                    SocketChannel client = SocketChannel.open(loopback(ForwarderJar.port(banner)));
                    clients.add(client);
                    Wire.roundTrip(client, i);
                }
                int threadsHolding = ProcFs.threads(jar.pid());
                System.out.printf("portable forwarder: %d threads listening, %d holding %d connections%n",
                        threadsListening, threadsHolding, connections);
                // Virtual threads: a carrier per core and the JDK's pollers, not a thread per relay.
                assertTrue(threadsHolding - threadsListening <= 8, threadsListening + " -> " + threadsHolding);
                for (SocketChannel client : clients) {
                    client.shutdownOutput();
                    assertEquals(-1, client.read(java.nio.ByteBuffer.allocate(1)));
                }
            } finally {
                for (SocketChannel client : clients) {
                    client.close();
                }
            }
            assertTrue(echo.awaitNoneOpen(10));
            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            assertTrue(summary.contains(connections + " connections (" + connections + " completed, 0 failed"), summary);
            assertTrue(summary.contains("directions by path: ZERO_COPY=0 PORTABLE=" + 2 * connections), summary);
        }
    }

    @Test
    void logConnectionsLogsALineWhenEachConnectionOpensAndEnds() throws Exception {
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--log-connections")) {
            int port = jar.awaitListening();
            String client;
            try (SocketChannel channel = SocketChannel.open(loopback(port))) {
                client = String.valueOf(channel.getLocalAddress());
                Wire.roundTrip(channel, 1);
                channel.shutdownOutput();
                assertEquals(Payload.expected(0), Payload.readToEnd(channel));
            }
            // Logging stops when the JVM starts shutting down: the line must be out before SIGTERM.
            jar.awaitLogged("client " + client + ": COMPLETED", 10);
            assertEquals(0, jar.terminate());
            List<String> lines = jar.stderr().lines().filter(l -> l.contains("client " + client + ":")).toList();
            assertEquals(2, lines.size(), jar.stderr());
            assertTrue(lines.get(0).matches(".* INFO io\\.splice4j\\.tool: client " + Pattern.quote(client)
                    + ": connected to /127\\.0\\.0\\.1:" + echo.port() + " from /127\\.0\\.0\\.1:\\d+"), lines.get(0));
            assertTrue(lines.get(1).endsWith("client " + client + ": COMPLETED, 8 bytes to upstream (ZERO_COPY), 8 bytes "
                    + "back (ZERO_COPY)"), lines.get(1));
        }
    }

    /**
     * Per-connection lines go through a log thread: a log destination that blocks (here a pipe
     * nobody reads, full after 64 KiB, some 400 lines) stops no relay. Lines past the log's queue
     * are dropped and counted, and the forwarder still exits 0 on SIGTERM.
     */
    @Test
    @Timeout(120)
    void aBlockedLogDestinationStopsNoRelay() throws Exception {
        // Two lines each: more than the log's queue holds (8 192), so some are dropped.
        int connections = 5000;
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = ForwarderJar.withStderrUnread("--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + echo.port(), "--log-connections")) {
            InetSocketAddress forwarder = loopback(jar.awaitListening());
            CompletableFuture<Void> all = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < connections; i++) {
                    try (SocketChannel client = SocketChannel.open(forwarder)) {
                        Wire.roundTrip(client, i);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            all.get(90, TimeUnit.SECONDS);
            assertEquals(0, jar.terminate());
            String summary = jar.stdout();
            assertTrue(summary.contains(connections + " connections ("), summary);
            Matcher dropped = Pattern.compile("log lines dropped \\(the log's destination fell behind\\): (\\d+)")
                    .matcher(summary);
            assertTrue(dropped.find(), summary);
            assertTrue(Long.parseLong(dropped.group(1)) > 0, summary);
        }
    }

    @Test
    void aRefusedUpstreamClosesThatClientAndTheForwarderGoesOn() throws Exception {
        int closedPort;
        try (ServerSocketChannel nothing = ServerSocketChannel.open().bind(loopback(0))) {
            closedPort = ((InetSocketAddress) nothing.getLocalAddress()).getPort();
        }
        try (ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + closedPort)) {
            Matcher listening = ForwarderJar.LISTENING.matcher(jar.nextLine());
            assertTrue(listening.matches());
            for (int i = 0; i < 2; i++) {
                try (SocketChannel client = SocketChannel.open(loopback(Integer.parseInt(listening.group(1))))) {
                    assertEquals(Payload.expected(0), Payload.readToEnd(client), "the client sees its connection end");
                }
            }
            assertTrue(jar.process.isAlive(), "the forwarder still runs");
            assertEquals(0, jar.terminate());
            assertTrue(jar.stdout().contains("2 connections (0 completed, 0 failed, 0 closed at shutdown, "
                    + "2 upstream connect failures, 0 idle timeouts, "), jar.stdout());
            // A run of failures is logged once, when it starts.
            assertEquals(1, jar.stderr().lines().filter(l -> l.contains("can't connect to /127.0.0.1:" + closedPort))
                    .count(), jar.stderr());
        }
    }

    @Test
    void runningOutOfFdsEndsTheClientsItCantServeAndGoesOn() throws Exception {
        int clients = 60;
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(loopback(0), clients);
             // More connections than 96 fds hold: the limit can't keep the forwarder from running out.
             ForwarderJar jar = new ForwarderJar(List.of("prlimit", "--nofile=96", "--"), "--listen", "127.0.0.1:0",
                     "--connect", "127.0.0.1:" + ((InetSocketAddress) upstream.getLocalAddress()).getPort(),
                     "--max-connections", Integer.toString(clients))) {
            Matcher listening = ForwarderJar.LISTENING.matcher(jar.nextLine());
            assertTrue(listening.matches());
            // The upstream end reads each request to its end, then holds the connection until released,
            // so that every relay the forwarder manages to open stays open at once.
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger accepted = new AtomicInteger();
            Thread server = Thread.ofPlatform().daemon().start(() -> {
                for (int i = 0; i < clients; i++) {
                    try {
                        SocketChannel connection = upstream.accept();
                        accepted.incrementAndGet();
                        Thread.ofVirtual().start(() -> {
                            try (connection) {
                                Payload.readToEnd(connection);
                                release.await();
                            } catch (IOException | InterruptedException ignored) {
                                // The forwarder gave up on this one.
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            List<SocketChannel> open = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    SocketChannel client = SocketChannel.open(loopback(Integer.parseInt(listening.group(1))));
                    open.add(client);
                    Payload.write(client, 1024);
                    client.shutdownOutput();
                }
                long settledSince = System.nanoTime();
                for (int last = -1; System.nanoTime() - settledSince < TimeUnit.MILLISECONDS.toNanos(500); ) {
                    if (accepted.get() != last) {
                        last = accepted.get();
                        settledSince = System.nanoTime();
                    }
                    Thread.sleep(10); // sampling until the forwarder has done what it can
                }
                release.countDown();
                // 96 fds can't hold 60 relays: each client must still see its connection end, served
                // or refused, instead of hanging.
                for (SocketChannel client : open) {
                    try {
                        Payload.readToEnd(client);
                    } catch (IOException reset) {
                        assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
                    }
                }
            } finally {
                for (SocketChannel client : open) {
                    client.close();
                }
            }
            assertTrue(jar.process.isAlive(), "the forwarder survives running out of fds");
            assertEquals(0, jar.terminate(), jar.stderr());
            assertTrue(jar.stdout().contains("splice4j summary: " + clients + " connections"), jar.stdout());
            assertFalse(jar.stdout().contains("(" + clients + " completed"), "96 fds can't serve them all: "
                    + jar.stdout());
            int cores = Runtime.getRuntime().availableProcessors();
            int reserve = 64 + 4 * cores;
            int room = Math.max(1, (96 - 2 * Math.max(cores, (96 - reserve) / 8) - reserve) / 2);
            assertTrue(jar.stderr().contains("--max-connections " + clients + " is more than the open-files limit leaves "
                    + "room for (" + room + ")"), jar.stderr());
            // That warning, and a line each for failed accepts and connects: out of fds they alternate
            // with successes by the client, and are logged at most once per 10 s. If all 60 clients
            // reached the limit at once, its pause and its end add one line each (once per episode).
            long perClientLines = jar.stderr().lines().filter(line -> !line.contains("--max-connections limit: not accepting")
                    && !line.contains("every waiting client accepted after")).count();
            assertTrue(perClientLines <= 3, jar.stderr());
            System.out.println("with 96 fds: " + jar.stdout().lines().filter(l -> !l.startsWith("splice4j: forwarding"))
                    .toList() + "; log lines: " + jar.stderr().lines().count());
            server.interrupt();
        }
    }

    @Test
    void selfCheckVerifiesBothPaths() throws Exception {
        try (ForwarderJar jar = new ForwarderJar("--self-check")) {
            assertEquals(0, jar.await(), jar.stderr());
            String out = jar.stdout();
            assertTrue(out.contains("zero-copy available: yes"), out);
            assertTrue(Pattern.compile("(?m)^zero-copy: 1\\.00 GiB in .* path client->upstream ZERO_COPY, "
                    + "upstream->client ZERO_COPY; SHA-256 OK$").matcher(out).find(), out);
            assertTrue(Pattern.compile("(?m)^portable : 1\\.00 GiB in .* path client->upstream PORTABLE, "
                    + "upstream->client PORTABLE; SHA-256 OK$").matcher(out).find(), out);
            assertTrue(out.contains("self-check OK"), out);
        }
    }
}
