package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.OpenFds;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The forwarder in this JVM: closing it ends everything it started, also what was still connecting. */
class ForwarderServerTest {

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /** A round trip through a forwarder first, so that what the JDK opens once for good is open before fds are counted. */
    @BeforeAll
    static void warmUp() throws Exception {
        try (EchoServer echo = new EchoServer(); ForwarderServer forwarder = start(echo.port())) {
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                Wire.roundTrip(client, 7);
            }
        }
    }

    @Test
    @Timeout(60)
    void aConnectStillInFlightAtCloseLeavesNoRelayRunning() throws Exception {
        Map<Integer, String> before = OpenFds.list();
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(ANY_LOOPBACK, 1)) {
            // An accept queue of one holds two connections; the kernel drops further SYNs, so the
            // forwarder's connect hangs until the queue has room and its SYN is sent again (1 s on).
            for (int i = 0; i < 2; i++) {
                fillers.add(SocketChannel.open(upstream.getLocalAddress()));
            }
            ForwarderServer forwarder = start(upstream.socket().getLocalPort());
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                awaitOpenConnections(forwarder, 1);
                forwarder.close();
                // Make room: a connect that still ran would now complete and start a relay.
                for (int i = 0; i < fillers.size(); i++) {
                    upstream.accept().close();
                }
                Wire.awaitEnd(client, 5, "the client's connection ends with the forwarder");
                assertEquals(0, forwarder.openConnections());
            }
        } finally {
            for (SocketChannel filler : fillers) {
                filler.close();
            }
        }
        assertEquals("", OpenFds.openedSinceExceptUnixSockets(before), "every fd the forwarder opened is closed");
    }

    @Test
    @Timeout(60)
    void closeEndsRelaysInFlightAndEveryFdIsClosed() throws Exception {
        Map<Integer, String> before = OpenFds.list();
        List<SocketChannel> clients = new ArrayList<>();
        try (EchoServer echo = new EchoServer()) {
            ForwarderServer forwarder = start(echo.port());
            try {
                for (int i = 0; i < 5; i++) {
                    SocketChannel client = SocketChannel.open(forwarder.address());
                    clients.add(client);
                    Wire.roundTrip(client, i);
                }
                assertEquals(5, forwarder.openConnections());
            } finally {
                forwarder.close();
            }
            for (SocketChannel client : clients) {
                // A drain with no time left resets: a client must not take its cut stream for a whole one.
                var reset = assertThrows(java.net.SocketException.class, () -> client.read(ByteBuffer.allocate(1)));
                assertEquals("Connection reset", reset.getMessage());
            }
            assertTrue(echo.awaitNoneOpen(10), "the upstream side of every relay is closed");
            assertTrue(forwarder.summary().contains("5 connections (0 completed, 0 failed, 5 closed at shutdown"),
                    forwarder.summary());
            assertTrue(forwarder.summary().contains("shutdown: 5 connections still open at the end of the drain "
                    + "were reset"), forwarder.summary());
        } finally {
            for (SocketChannel client : clients) {
                client.close();
            }
        }
        assertEquals("", OpenFds.openedSinceExceptUnixSockets(before), "every fd the forwarder opened is closed");
    }

    /**
     * An {@link Error} while one accepted client is taken in ends that client only: it is closed,
     * its place and fd are given back, the next client is served, and a {@link VirtualMachineError}
     * is reported as fatal (the forwarder's owner drains it and exits 1).
     */
    @Test
    @Timeout(60)
    void anErrorTakingInOneClientEndsThatClientOnlyAndAVirtualMachineErrorIsReported() throws Exception {
        Map<Integer, String> before = OpenFds.list();
        java.util.concurrent.CompletableFuture<Throwable> fatal = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (EchoServer echo = new EchoServer()) {
            ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0",
                    "--connect", "127.0.0.1:" + echo.port()), result -> { }, fatal::complete,
                    connector -> connection -> {
                        if (first.getAndSet(false)) {
                            throw new OutOfMemoryError("a test's");
                        }
                        connector.accept(connection);
                    });
            try {
                try (SocketChannel unlucky = SocketChannel.open(forwarder.address())) {
                    Wire.awaitEnd(unlucky, 10, "the client whose hand-over failed is closed");
                }
                assertEquals("a test's", fatal.get(10, TimeUnit.SECONDS).getMessage());
                try (SocketChannel next = SocketChannel.open(forwarder.address())) {
                    Wire.roundTrip(next, 2);
                }
                awaitOpenConnections(forwarder, 0);
                assertTrue(forwarder.summary().contains("1 not taken in"), forwarder.summary());
            } finally {
                forwarder.close();
            }
        }
        assertEquals("", OpenFds.openedSinceExceptUnixSockets(before), "every fd the forwarder opened is closed");
    }

    private static ForwarderServer start(int upstreamPort) throws IOException {
        return ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                "127.0.0.1:" + upstreamPort), result -> { }, Throwable::printStackTrace);
    }

    private static void awaitOpenConnections(ForwarderServer forwarder, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (forwarder.openConnections() != expected) {
            assertTrue(System.nanoTime() - deadline < 0, "the forwarder accepted " + forwarder.openConnections());
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
