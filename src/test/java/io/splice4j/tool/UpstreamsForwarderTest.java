package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.RelayResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder in this JVM with several upstreams: how clients are spread, how a server that fails
 * is taken out and comes back (passively, and with health checks), and what is logged and counted.
 */
@Timeout(60)
class UpstreamsForwarderTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path directory;

    @Test
    void roundRobinSplitsAThousandSequentialClientsExactlyInHalf() throws Exception {
        try (EchoServer a = new EchoServer(); EchoServer b = new EchoServer()) {
            ForwarderServer forwarder = start(result -> { }, "--connect", tcp(a.port()), "--connect", tcp(b.port()));
            try {
                assertTrue(forwarder.describe().contains(" -> /127.0.0.1:" + a.port() + ", /127.0.0.1:" + b.port()
                        + " (balance roundrobin, retries 2), mode "), forwarder.describe());
                for (int i = 0; i < 1000; i++) {
                    try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                        Wire.roundTrip(client, i);
                    }
                }
            } finally {
                forwarder.close();
            }
            assertEquals(500, a.accepted());
            assertEquals(500, b.accepted());
            String summary = forwarder.summary();
            assertTrue(summary.contains("1000 connections (") && summary.contains(" 0 upstream connect failures, "),
                    summary);
            assertTrue(summary.contains("\n  upstream /127.0.0.1:" + a.port() + ": up, 0 active connections, 0 "
                    + "connects failed\n  upstream /127.0.0.1:" + b.port() + ": up, 0 active connections, 0 connects "
                    + "failed"), summary);
        }
    }

    @Test
    void leastConnSendsNewClientsToTheServerWithFewerConnections() throws Exception {
        Semaphore relaysEnded = new Semaphore(0);
        List<SocketChannel> clients = new ArrayList<>();
        try (EchoServer a = new EchoServer(); EchoServer b = new EchoServer();
             ForwarderServer forwarder = start(result -> relaysEnded.release(), "--connect", tcp(a.port()),
                     "--connect", tcp(b.port()), "--balance", "leastconn")) {
            List<SocketChannel> onB = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int before = a.accepted();
                SocketChannel client = SocketChannel.open(forwarder.address());
                clients.add(client);
                Wire.roundTrip(client, i);
                if (a.accepted() == before) {
                    onB.add(client);
                }
            }
            assertEquals(50, a.accepted(), "ties by order: the two take turns");
            assertEquals(50, onB.size());
            for (SocketChannel client : onB) {
                client.close();
            }
            assertTrue(relaysEnded.tryAcquire(50, 10, TimeUnit.SECONDS), "the relays through b ended");
            // a holds 50 long connections, b none: b takes every new client until they are level.
            for (int i = 0; i < 50; i++) {
                SocketChannel client = SocketChannel.open(forwarder.address());
                clients.add(client);
                Wire.roundTrip(client, 100 + i);
            }
            assertEquals(50, a.accepted());
            assertEquals(100, b.accepted());
            SocketChannel level = SocketChannel.open(forwarder.address());
            clients.add(level);
            Wire.roundTrip(level, 150);
            assertEquals(51, a.accepted(), "50 each: the first given");
        } finally {
            for (SocketChannel client : clients) {
                client.close();
            }
        }
    }

    @Test
    void aServerThatRefusesCostsNoClientWhileAnotherIsUp() throws Exception {
        try (SocketChannel dead = refusingPort(); EchoServer live = new EchoServer(); LogCapture log = new LogCapture()) {
            String deadServer = "/127.0.0.1:" + port(dead);
            ForwarderServer forwarder = start(result -> { }, "--connect", tcp(port(dead)), "--connect",
                    tcp(live.port()));
            try {
                for (int i = 0; i < 200; i++) {
                    EchoTraffic.roundTrip(forwarder.address(), 4096 + i);
                }
            } finally {
                forwarder.close();
            }
            assertEquals(200, live.accepted());
            String summary = forwarder.summary();
            assertTrue(summary.contains("200 connections (") && summary.contains(" 0 upstream connect failures, "),
                    summary);
            assertTrue(connectsFailed(summary, deadServer, "down") >= 1, summary);
            assertEquals(0, connectsFailed(summary, "/127.0.0.1:" + live.port(), "up"), summary);
            List<LogCapture.Line> down = log.flushedContaining("upstream " + deadServer + " is ");
            assertEquals(List.of("upstream " + deadServer + " is down: connect failed: java.net.ConnectException: "
                    + "Connection refused; tried again after back-offs from 1s to 30s"), texts(down));
            assertEquals(Level.WARNING, down.getFirst().level());
            assertEquals(List.of(), log.containing("can't connect to " + deadServer), "no client was closed");
        }
    }

    @Test
    void aConnectThatTimesOutTakesItsServerDownAndTheClientGoesOnToTheNext() throws Exception {
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel stuck = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0), 1);
             EchoServer live = new EchoServer(); LogCapture log = new LogCapture()) {
            // An accept queue of one holds two connections; the kernel drops further SYNs.
            for (int i = 0; i < 2; i++) {
                fillers.add(SocketChannel.open(stuck.getLocalAddress()));
            }
            String stuckServer = "/127.0.0.1:" + stuck.socket().getLocalPort();
            try (ForwarderServer forwarder = start(result -> { }, "--connect", tcp(stuck.socket().getLocalPort()),
                    "--connect", tcp(live.port()), "--connect-timeout", "300ms", "--balance", "first")) {
                long start = System.nanoTime();
                EchoTraffic.roundTrip(forwarder.address(), 65_536);
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "waited for the timeout");
                EchoTraffic.roundTrip(forwarder.address(), 65_537);
                assertEquals(2, live.accepted(), "the second client went to the live server at once");
                assertEquals(List.of("upstream " + stuckServer + " is down: connect failed: no answer within 300ms; "
                        + "tried again after back-offs from 1s to 30s"),
                        texts(log.flushedContaining("upstream " + stuckServer + " is ")));
                assertTrue(forwarder.summary().contains("timeouts: 0 idle, 0 connect"), "no client timed out");
            }
        } finally {
            for (SocketChannel filler : fillers) {
                filler.close();
            }
        }
    }

    @Test
    void healthChecksTakeADeadServerDownAndBringItBackWithinASecondLoggingEachChangeOnce() throws Exception {
        SocketChannel placeholder = refusingPort();
        int port = port(placeholder);
        String server = "upstream /127.0.0.1:" + port;
        EchoServer revived = null;
        try (EchoServer live = new EchoServer(); LogCapture log = new LogCapture()) {
            ForwarderServer forwarder = start(result -> { }, "--connect", tcp(live.port()), "--connect", tcp(port),
                    "--health-check", "200ms");
            long started = System.nanoTime();
            try {
                assertTrue(forwarder.describe().contains(" (balance roundrobin, retries 2, health checks every 200ms), "
                        + "mode "), forwarder.describe());
                LogCapture.Line down = log.await(server + " is down", 10);
                assertEquals(server + " is down: 2 health checks in a row failed: java.net.ConnectException: "
                        + "Connection refused", down.text());
                assertEquals(Level.WARNING, down.level());
                assertTrue(down.nanos() - started < SECOND, "down after " + (down.nanos() - started) + " ns");

                placeholder.close();
                long back = System.nanoTime();
                revived = new EchoServer(ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, port), 64));
                LogCapture.Line up = log.await(server + " is up", 10);
                assertEquals(server + " is up: 2 health checks in a row passed", up.text());
                assertEquals(Level.INFO, up.level());
                assertTrue(up.nanos() - back < SECOND, "up after " + (up.nanos() - back) + " ns");

                // Three more checks pass, and clients reach it again, with no further line.
                awaitAtLeast(revived::accepted, revived.accepted() + 3);
                for (int i = 0; i < 4; i++) {
                    EchoTraffic.roundTrip(forwarder.address(), 1000 + i);
                }
                assertEquals(2, log.flushedContaining(server + " is ").size(), "one line per change");
                assertEquals(List.of(), log.containing("upstream /127.0.0.1:" + live.port() + " is "));
            } finally {
                forwarder.close();
            }
            assertTrue(forwarder.summary().contains("\n  " + server + ": up, 0 active connections, 0 connects "
                    + "failed"), forwarder.summary());
        } finally {
            placeholder.close();
            if (revived != null) {
                revived.close();
            }
        }
    }

    @Test
    void aClientWhoseTriesAreUsedUpIsClosedAndCounted() throws Exception {
        try (SocketChannel d0 = refusingPort(); SocketChannel d1 = refusingPort(); SocketChannel d2 = refusingPort();
             LogCapture log = new LogCapture()) {
            ForwarderServer forwarder = start(result -> { }, "--connect", tcp(port(d0)), "--connect", tcp(port(d1)),
                    "--connect", tcp(port(d2)), "--retries", "1");
            String clientAddress;
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                clientAddress = client.getLocalAddress().toString();
                Wire.awaitEnd(client, 10, "the client is closed when its tries are used up");
            } finally {
                forwarder.close();
            }
            String summary = forwarder.summary();
            assertTrue(summary.contains("1 connections (0 completed, 0 failed, 0 closed at shutdown, 1 upstream "
                    + "connect failures, "), summary);
            assertEquals(1, connectsFailed(summary, "/127.0.0.1:" + port(d0), "down"), summary);
            assertEquals(1, connectsFailed(summary, "/127.0.0.1:" + port(d1), "down"), summary);
            assertEquals(0, connectsFailed(summary, "/127.0.0.1:" + port(d2), "up"), "one retry: " + summary);
            assertEquals(List.of("client " + clientAddress + ": can't connect to /127.0.0.1:" + port(d0)
                    + ": java.net.ConnectException: Connection refused, nor to /127.0.0.1:" + port(d1)
                    + ": java.net.ConnectException: Connection refused; closing the client (at most a line per 10s)"),
                    texts(log.flushedContaining("client " + clientAddress + ":")));
        }
    }

    @Test
    void withNoRetriesAClientWhoseServerRefusesIsClosed() throws Exception {
        try (SocketChannel dead = refusingPort(); EchoServer live = new EchoServer()) {
            ForwarderServer forwarder = start(result -> { }, "--connect", tcp(port(dead)), "--connect",
                    tcp(live.port()), "--retries", "0", "--balance", "first");
            try {
                try (SocketChannel unlucky = SocketChannel.open(forwarder.address())) {
                    Wire.awaitEnd(unlucky, 10, "closed without a retry");
                }
                EchoTraffic.roundTrip(forwarder.address(), 10_000);
            } finally {
                forwarder.close();
            }
            assertEquals(1, live.accepted());
            assertTrue(forwarder.summary().contains(" 1 upstream connect failures, "), forwarder.summary());
        }
    }

    @Test
    void unixAndTcpServersMixAndAUnixServerThatStopsIsTakenOut() throws Exception {
        Path socket = directory.resolve("up.sock");
        EchoServer unix = new EchoServer(ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(socket)));
        try (EchoServer tcp = new EchoServer(); LogCapture log = new LogCapture();
             ForwarderServer forwarder = start(result -> { }, "--connect", "unix:" + socket, "--connect",
                     tcp(tcp.port()))) {
            for (int i = 0; i < 10; i++) {
                EchoTraffic.roundTrip(forwarder.address(), 256 * 1024 + i);
            }
            assertEquals(5, unix.accepted());
            assertEquals(5, tcp.accepted());
            // Its listener closed, the socket file stays: connects are refused.
            unix.close();
            for (int i = 0; i < 10; i++) {
                EchoTraffic.roundTrip(forwarder.address(), 256 * 1024 + i);
            }
            assertEquals(15, tcp.accepted());
            assertEquals(List.of("upstream unix:" + socket + " is down: connect failed: java.net.ConnectException: "
                    + "Connection refused; tried again after back-offs from 1s to 30s"),
                    texts(log.flushedContaining("upstream unix:" + socket + " is ")));
        } finally {
            unix.close();
        }
    }

    @Test
    void firstTakesTheFirstServerUntilItFailsAndAgainWhenItsBackOffIsOver() throws Exception {
        EchoServer revived = null;
        try (EchoServer a = new EchoServer(); EchoServer b = new EchoServer(); LogCapture log = new LogCapture();
             ForwarderServer forwarder = start(result -> { }, "--connect", tcp(a.port()), "--connect",
                     tcp(b.port()), "--balance", "first")) {
            String server = "upstream /127.0.0.1:" + a.port();
            for (int i = 0; i < 20; i++) {
                EchoTraffic.roundTrip(forwarder.address(), 1000 + i);
            }
            assertEquals(20, a.accepted());
            assertEquals(0, b.accepted());
            a.close();
            long down = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                EchoTraffic.roundTrip(forwarder.address(), 1000 + i);
            }
            assertEquals(20, b.accepted(), "no client lost");
            revived = new EchoServer(ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, a.port()), 64));
            // Clients paced 50 ms apart: the first after the back-off tries it, and it is up again.
            long deadline = System.nanoTime() + 10 * SECOND;
            while (revived.accepted() == 0) {
                assertTrue(System.nanoTime() - deadline < 0, "no client tried it again in 10 s");
                EchoTraffic.roundTrip(forwarder.address(), 1000);
                Thread.sleep(50);
            }
            assertTrue(System.nanoTime() - down >= SECOND, "not before its back-off of 1 s");
            for (int i = 0; i < 5; i++) {
                EchoTraffic.roundTrip(forwarder.address(), 1000 + i);
            }
            assertEquals(6, revived.accepted(), "the first server again");
            assertEquals(List.of(server + " is down: connect failed: java.net.ConnectException: Connection refused; "
                    + "tried again after back-offs from 1s to 30s", server + " is up: a client connected"),
                    texts(log.flushedContaining(server + " is ")));
            assertTrue(forwarder.summary().contains(" 0 upstream connect failures, "), forwarder.summary());
        } finally {
            if (revived != null) {
                revived.close();
            }
        }
    }

    @Test
    void namedGroupsWaitForRoutingAndTheDefaultGroupServesEveryClient() throws Exception {
        try (EchoServer api = new EchoServer(); EchoServer web = new EchoServer()) {
            ForwarderServer forwarder = start(result -> { }, "--connect", "api=" + tcp(api.port()), "--connect",
                    tcp(web.port()));
            try {
                assertTrue(forwarder.describe().contains(" -> /127.0.0.1:" + web.port() + " (balance roundrobin, "
                        + "retries 2, group api: /127.0.0.1:" + api.port() + "), mode "), forwarder.describe());
                for (int i = 0; i < 5; i++) {
                    EchoTraffic.roundTrip(forwarder.address(), 100 + i);
                }
            } finally {
                forwarder.close();
            }
            assertEquals(5, web.accepted());
            assertEquals(0, api.accepted());
            assertTrue(forwarder.summary().contains("\n  upstream api=/127.0.0.1:" + api.port() + ": up, 0 active "
                    + "connections, 0 connects failed"), forwarder.summary());
        }
    }

    @Test
    void aConnectCutShortByTheForwardersCloseBlamesNoServer() throws Exception {
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel stuck = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0), 1);
             LogCapture log = new LogCapture()) {
            for (int i = 0; i < 2; i++) {
                fillers.add(SocketChannel.open(stuck.getLocalAddress()));
            }
            String server = "upstream /127.0.0.1:" + stuck.socket().getLocalPort();
            ForwarderServer forwarder = start(result -> { }, "--connect", tcp(stuck.socket().getLocalPort()));
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                awaitAtLeast(forwarder::openConnections, 1);
                forwarder.close();
                Wire.awaitEnd(client, 10, "the client's connection ends with the forwarder");
            }
            assertTrue(forwarder.summary().contains("1 connections (0 completed, 0 failed, 1 closed at shutdown, 0 "
                    + "upstream connect failures, "), forwarder.summary());
            assertTrue(forwarder.summary().contains("\n  " + server + ": up, 0 active connections, 0 connects "
                    + "failed"), forwarder.summary());
            assertEquals(List.of(), log.flushedContaining(server + " is "));
        } finally {
            for (SocketChannel filler : fillers) {
                filler.close();
            }
        }
    }

    /** A forwarder listening on a free loopback port, with {@code flags}. */
    private static ForwarderServer start(Consumer<RelayResult> onRelayEnd, String... flags) throws IOException {
        String[] args = Stream.concat(Stream.of("--listen", "127.0.0.1:0"), Stream.of(flags)).toArray(String[]::new);
        return ForwarderServer.start(ForwarderArgs.parse(args), onRelayEnd, Throwable::printStackTrace);
    }

    /** {@code --connect}'s text for a loopback port. */
    private static String tcp(int port) {
        return "127.0.0.1:" + port;
    }

    /** A port that refuses connects: bound by a socket that does not listen, so that nothing else takes it. */
    private static SocketChannel refusingPort() throws IOException {
        return SocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
    }

    /** The port a socket is bound to. */
    private static int port(SocketChannel bound) throws IOException {
        return ((InetSocketAddress) bound.getLocalAddress()).getPort();
    }

    /** A server's connects failed, from its summary line, which must show it in {@code state}. */
    private static long connectsFailed(String summary, String server, String state) {
        Matcher line = Pattern.compile("\n  upstream " + Pattern.quote(server) + ": " + state
                + ", 0 active connections, (\\d+) connects failed").matcher(summary);
        assertTrue(line.find(), server + " " + state + " in " + summary);
        return Long.parseLong(line.group(1));
    }

    /** The lines' texts. */
    private static List<String> texts(List<LogCapture.Line> lines) {
        return lines.stream().map(LogCapture.Line::text).toList();
    }

    /** Samples {@code count} until it reaches {@code at least}, for up to 10 s. */
    private static void awaitAtLeast(IntSupplier count, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 10 * SECOND;
        while (count.getAsInt() < atLeast) {
            assertTrue(System.nanoTime() - deadline < 0, "reached " + count.getAsInt() + " of " + atLeast);
            Thread.sleep(10);
        }
    }
}
