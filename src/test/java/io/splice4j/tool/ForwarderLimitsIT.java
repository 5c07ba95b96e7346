package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.it.ProcFs;
import io.splice4j.support.ChildJvm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * The packaged forwarder under load and at its limits: thousands of connections on a few threads,
 * --max-connections, --idle-timeout and --connect-timeout. Every process started here is stopped by
 * its PID.
 */
class ForwarderLimitsIT {

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final String PAUSED = "connections open, the --max-connections limit: not accepting";
    private static final String RESUMED = "below the --max-connections limit again";

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void nineThousandConnectionsRunOnAFewThreadsCarryEveryByteAndGiveBackEveryFd() throws Exception {
        int connections = 9000;
        try (ChildJvm idle = ChildJvm.start(null, IdleJvm.class, List.of());
             ChildJvm farEnds = ChildJvm.start(null, EchoFarEnds.class, List.of())) {
            idle.await("ready", 30);
            int idleJvmThreads = ProcFs.threads(idle.pid());
            int echoPort = Integer.parseInt(farEnds.await("echo ", 30).substring("echo ".length()));
            try (ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echoPort)) {
                String banner = jar.nextLine();
                Matcher max = Pattern.compile(".*, max connections (\\d+) \\(the least of: open-files limit .*").matcher(banner);
                assertTrue(max.matches() && Integer.parseInt(max.group(1)) >= connections,
                        "the default limit lets " + connections + " through: " + banner);
                int port = ForwarderJar.port(banner);
                int threadsListening = ProcFs.threads(jar.pid());

                // One connection first: the JDK sets up what it keeps for good (pollers, for one).
                assertEquals("opened 1", command(farEnds, "open " + port + " 1", "opened", 30).replaceAll(" \\d+$", ""));
                command(farEnds, "close", "closed", 30);
                long fdsBefore = ProcFs.settled(() -> ProcFs.fdCount(jar.pid()));
                Map<String, Long> kindsBefore = fdKinds(jar.pid());

                String opened = command(farEnds, "open " + port + " " + connections, "opened", 90);
                assertTrue(opened.startsWith("opened " + connections + " "), opened);
                int threadsHolding = ProcFs.threads(jar.pid());
                long fdsHolding = ProcFs.fdCount(jar.pid());
                assertEquals("status open=" + connections + " peak=" + connections + " accepted=" + (connections + 1),
                        command(farEnds, "status", "status", 10));
                assertEquals("big " + connections / 100, command(farEnds, "big 100 65536", "big", 60));
                int threadsAfterTraffic = ProcFs.threads(jar.pid());
                String closed = command(farEnds, "close", "closed", 60);
                // The engine keeps empty pipes pooled; only one 64 KiB message was in flight at a time,
                // so the pool holds at most a pipe per direction per loop more than before.
                long pooled = 2L * 2 * CORES; // fds: 2 per pipe, 2 directions, each loop
                long fdsAfter = ProcFs.awaitAtMost(() -> ProcFs.fdCount(jar.pid()), fdsBefore + pooled, 30);
                Map<String, Long> kindsAfter = fdKinds(jar.pid());

                System.out.printf("forwarder with %d connections: %s, %s; threads: idle JVM %d, forwarder listening %d,"
                        + " holding %d, after 64 KiB on %d of them %d; fds before %d, holding %d, after %d (%s)%n",
                        connections, opened, closed, idleJvmThreads, threadsListening, threadsHolding,
                        connections / 100, threadsAfterTraffic, fdsBefore, fdsHolding, fdsAfter, kindsAfter);
                assertTrue(fdsHolding >= fdsBefore + 2L * connections, "two sockets per connection: " + fdsHolding);
                long pipesAdded = kindsAfter.getOrDefault("pipe", 0L) - kindsBefore.getOrDefault("pipe", 0L);
                kindsAfter.remove("pipe");
                kindsBefore.remove("pipe");
                assertEquals(kindsBefore, kindsAfter, "every socket closed: " + ProcFs.fds(jar.pid()));
                assertTrue(pipesAdded <= pooled, pipesAdded / 2 + " more pipes pooled: " + ProcFs.fds(jar.pid()));
                // No thread per connection: what the forwarder adds for 9000 connections (virtual-thread
                // carriers for the connects, the JDK's pollers) is a handful. The absolute count also
                // holds what any JVM of this java starts (GC, JIT, VM threads: the idle JVM's count),
                // which the forwarder can't change, plus its own event loops and acceptor.
                int most = Math.max(threadsHolding, threadsAfterTraffic);
                assertTrue(most - threadsListening <= 8, "threads grew from " + threadsListening + " to " + most);
                assertTrue(most <= idleJvmThreads + 2 * CORES + 8, most + " threads, an idle JVM has " + idleJvmThreads);

                assertEquals(0, jar.terminate(), jar.stderr());
                System.out.println(jar.stdout());
                assertTrue(jar.stdout().contains((connections + 1) + " connections (" + (connections + 1) + " completed, "
                        + "0 failed, 0 closed at shutdown, 0 upstream connect failures, 0 idle timeouts, "), jar.stdout());
                assertEquals("", jar.stderr(), "nothing logged");
            }
        }
    }

    @Test
    @Timeout(60)
    void atTheLimitClientsWaitInTheBacklogAndAreServedAsOthersEnd() throws Exception {
        int limit = 100;
        int clients = 300;
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger echoed = new AtomicInteger();
        CountDownLatch firstServed = new CountDownLatch(limit);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(clients);
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--max-connections", Integer.toString(limit))) {
            InetSocketAddress forwarder = loopback(jar.awaitListening());
            for (int i = 0; i < clients; i++) {
                // Connected as soon as it is in the backlog: the forwarder need not have accepted it.
                SocketChannel client = SocketChannel.open(forwarder);
                long index = i;
                Wire.write(client, Wire.token(index));
                Thread.ofVirtual().start(() -> {
                    try (client) {
                        assertArrayEquals(Wire.token(index).array(), Wire.readExactly(client, Long.BYTES),
                                "client " + index);
                        echoed.incrementAndGet();
                        firstServed.countDown();
                        release.await();
                        client.shutdownOutput();
                        assertEquals(-1, client.read(ByteBuffer.allocate(1)), "client " + index + " ends cleanly");
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertTrue(firstServed.await(30, TimeUnit.SECONDS), echoed.get() + " served");
            jar.awaitLogged(PAUSED, 30);
            assertEquals(limit, echoed.get(), "while none ends, the forwarder serves no more than its limit");
            assertEquals(limit, echo.open(), "upstream connections");

            release.countDown();
            assertTrue(done.await(30, TimeUnit.SECONDS), (clients - done.getCount()) + " of " + clients + " done");
            assertEquals(List.of(), List.copyOf(failures));
            assertEquals(clients, echoed.get(), "every client served, none refused");
            assertEquals(clients, echo.accepted());
            assertEquals(limit, echo.peak(), "the most upstream connections at once");
            jar.awaitLogged(RESUMED, 30);

            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            assertTrue(summary.contains(clients + " connections (" + clients + " completed, 0 failed"), summary);
            assertTrue(summary.contains("limit " + limit + " connections: reached 1 times, clients waited "), summary);
            assertTrue(summary.contains("; at most " + limit + " open at once"), summary);
            assertEquals(1, count(jar.stderr(), PAUSED), "the pause is logged once: " + jar.stderr());
            assertEquals(1, count(jar.stderr(), RESUMED), "and so is its end: " + jar.stderr());
            assertEquals(2, jar.stderr().lines().count(), "nothing else is logged: " + jar.stderr());
        }
    }

    /**
     * A server running at its limit, where each connection that ends lets the next client in, is one
     * episode at the limit: logged once when it starts, once when the limit has gone unreached for a
     * second, not twice per client.
     */
    @Test
    @Timeout(60)
    void aClientCyclingAtTheLimitIsLoggedAsOneEpisode() throws Exception {
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--max-connections", "1")) {
            InetSocketAddress forwarder = new InetSocketAddress(InetAddress.getLoopbackAddress(), jar.awaitListening());
            for (int cycle = 0; cycle < 50; cycle++) {
                try (SocketChannel client = SocketChannel.open(forwarder)) {
                    Wire.roundTrip(client, cycle);
                }
            }
            jar.awaitLogged(RESUMED, 30);
            assertEquals(0, jar.terminate(), jar.stderr());
            assertEquals(1, count(jar.stderr(), PAUSED), "the limit's episode starts once: " + jar.stderr());
            assertEquals(1, count(jar.stderr(), RESUMED), "and ends once: " + jar.stderr());
            assertTrue(jar.stdout().contains("50 connections (50 completed"), jar.stdout());
        }
    }

    /** On the forwarder's engine, and on virtual threads where there is none. */
    @ParameterizedTest(name = "JVM options [{0}]")
    @ValueSource(strings = {"", "-Dsplice4j.mode=portable"})
    @Timeout(60)
    void anIdleConnectionIsClosedAfterTheIdleTimeoutAndABusyOneIsNot(String jvmOptions) throws Exception {
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar(List.of(), jvmOptions.isEmpty() ? List.of() : List.of(jvmOptions),
                     "--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(), "--idle-timeout", "1s")) {
            InetSocketAddress forwarder = loopback(jar.awaitListening());
            try (SocketChannel idle = SocketChannel.open(forwarder); SocketChannel busy = SocketChannel.open(forwarder)) {
                Wire.roundTrip(idle, 1);
                long idleSince = System.nanoTime();
                Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
                Thread busyClient = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 15; i++) {
                            Wire.roundTrip(busy, i);
                            Thread.sleep(200); // the pace of the traffic, not a wait for anything
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                });

                Wire.awaitEnd(idle, 5, "the idle client sees its connection end");
                double seconds = (System.nanoTime() - idleSince) / 1e9;
                assertTrue(echo.awaitOpenAtMost(1, 2.0 - seconds), "the upstream side of the idle one is closed too");
                seconds = (System.nanoTime() - idleSince) / 1e9;
                System.out.printf("idle connection closed after %.2f s (--idle-timeout 1s) [%s]%n", seconds, jvmOptions);
                assertTrue(seconds >= 0.95 && seconds <= 2.0, "closed after " + seconds + " s");

                busyClient.join(TimeUnit.SECONDS.toMillis(20));
                assertEquals(List.of(), List.copyOf(failures), "the busy connection is untouched");
                busy.shutdownOutput();
                assertEquals(-1, busy.read(ByteBuffer.allocate(1)));
            }
            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            assertTrue(summary.contains("2 connections (1 completed, 0 failed, 0 closed at shutdown, 0 upstream connect "
                    + "failures, 1 idle timeouts, "), summary);
            assertTrue(summary.contains("timeouts: 1 idle, 0 connect"), summary);
        }
    }

    @Test
    @Timeout(60)
    void anUpstreamThatDoesNotAnswerIsGivenUpAfterTheConnectTimeout() throws Exception {
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(loopback(0), 1)) {
            // An accept queue of one holds two connections; the kernel drops further SYNs.
            for (int i = 0; i < 2; i++) {
                fillers.add(SocketChannel.open(upstream.getLocalAddress()));
            }
            try (ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:"
                    + upstream.socket().getLocalPort(), "--connect-timeout", "500ms");
                 SocketChannel client = SocketChannel.open(loopback(jar.awaitListening()))) {
                long start = System.nanoTime();
                Wire.awaitEnd(client, 5, "the client is closed");
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(seconds >= 0.45 && seconds < 2, "closed after " + seconds + " s");
                String logged = jar.awaitLogged("can't connect to", 10);
                assertTrue(logged.contains("no answer within 500ms"), logged);
                assertEquals(0, jar.terminate(), jar.stderr());
                assertTrue(jar.stdout().contains("1 connections (0 completed, 0 failed, 0 closed at shutdown, 1 upstream "
                        + "connect failures, 0 idle timeouts, "), jar.stdout());
                assertTrue(jar.stdout().contains("timeouts: 0 idle, 1 connect"), jar.stdout());
            }
        } finally {
            for (SocketChannel filler : fillers) {
                filler.close();
            }
        }
    }

    /** Sends a command to the far ends and returns their answer, which must not be an error. */
    private static String command(ChildJvm farEnds, String command, String answer, int seconds)
            throws InterruptedException {
        farEnds.send(command);
        String line = farEnds.await("", seconds);
        assertTrue(line.startsWith(answer + " "), command + " -> " + line);
        return line;
    }

    /**
     * Counts a process's fds by kind: sockets, pipes (its standard streams left out), epoll and
     * event fds, files by path.
     */
    private static Map<String, Long> fdKinds(long pid) {
        Map<String, Long> kinds = new TreeMap<>();
        ProcFs.fds(pid).forEach((fd, target) -> {
            if (fd > 2) {
                kinds.merge(target.replaceAll(":\\[\\d+\\]$", ""), 1L, Long::sum);
            }
        });
        return kinds;
    }

    private static long count(String text, String part) {
        return text.lines().filter(line -> line.contains(part)).count();
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
