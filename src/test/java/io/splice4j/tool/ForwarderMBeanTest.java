package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.RelayResult;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.openmbean.CompositeData;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A forwarder shows its counters as {@code io.splice4j:type=Forwarder,name=<listen address>}. */
class ForwarderMBeanTest {

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @Test
    @Timeout(60)
    void theBeanCountsConnectionsAndBytesAndGoesWhenTheForwarderCloses() throws Exception {
        byte[] payload = new byte[100_003];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31 + 7);
        }
        CompletableFuture<RelayResult> ended = new CompletableFuture<>();
        ObjectName name;
        try (EchoServer echo = new EchoServer(); ForwarderServer forwarder = ForwarderServer.start(
                ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port()),
                ended::complete, Throwable::printStackTrace)) {
            InetSocketAddress listen = (InetSocketAddress) forwarder.address();
            name = new ObjectName("io.splice4j:type=Forwarder,name=" + ObjectName.quote("127.0.0.1:" + listen.getPort()));
            assertTrue(SERVER.isRegistered(name), name::toString);
            assertEquals(0L, SERVER.getAttribute(name, "Accepted"));
            try (SocketChannel client = SocketChannel.open(listen)) {
                Wire.write(client, ByteBuffer.wrap(payload));
                assertArrayEquals(payload, Wire.readExactly(client, payload.length));
                assertEquals(1L, SERVER.getAttribute(name, "OpenConnections"));
                client.shutdownOutput();
                assertEquals(-1, client.read(ByteBuffer.allocate(1)));
            }
            RelayResult result = ended.get(10, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.COMPLETED, result.end());
            assertEquals(1L, SERVER.getAttribute(name, "Accepted"));
            assertEquals(1L, SERVER.getAttribute(name, "EndedCOMPLETED"));
            assertEquals(0L, SERVER.getAttribute(name, "EndedFAILED"));
            assertEquals((long) payload.length, SERVER.getAttribute(name, "BytesClientToUpstream"));
            assertEquals((long) payload.length, SERVER.getAttribute(name, "BytesUpstreamToClient"));
            assertEquals(0L, SERVER.getAttribute(name, "UpstreamFailures"));
            assertEquals(0L, SERVER.getAttribute(name, "LimitReached"));
            assertEquals(0L, SERVER.getAttribute(name, "ProxyHeadersRejected"));
            assertEquals(0L, SERVER.getAttribute(name, "ProxyHeaderReadFailures"));
        }
        assertFalse(SERVER.isRegistered(name), "unregistered when the forwarder closed");
    }

    @Test
    @Timeout(60)
    void theBeanShowsEachUpstreamServersFigures() throws Exception {
        try (EchoServer echo = new EchoServer();
             SocketChannel dead = SocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0",
                     "--connect", "127.0.0.1:" + port(dead), "--connect", "api=127.0.0.1:" + echo.port(),
                     "--connect", "127.0.0.1:" + echo.port(), "--balance", "first"),
                     result -> { }, Throwable::printStackTrace)) {
            InetSocketAddress listen = (InetSocketAddress) forwarder.address();
            ObjectName name = new ObjectName("io.splice4j:type=Forwarder,name="
                    + ObjectName.quote("127.0.0.1:" + listen.getPort()));
            try (SocketChannel client = SocketChannel.open(listen)) {
                // The first server refuses: the client goes on to the next of the default group.
                Wire.roundTrip(client, 1);
                CompositeData[] upstreams = (CompositeData[]) SERVER.getAttribute(name, "Upstreams");
                assertEquals(3, upstreams.length);
                assertFigures(upstreams[0], "/127.0.0.1:" + port(dead), "", "down", 0, 1);
                assertFigures(upstreams[1], "/127.0.0.1:" + echo.port(), "api", "up", 0, 0);
                assertFigures(upstreams[2], "/127.0.0.1:" + echo.port(), "", "up", 1, 0);
            }
        }
    }

    /** Checks one server's composite value in the bean's {@code Upstreams}. */
    private static void assertFigures(CompositeData figures, String server, String group, String state, int active,
            long failed) {
        assertEquals(server, figures.get("server"));
        assertEquals(group, figures.get("group"));
        assertEquals(state, figures.get("state"));
        assertEquals(active, figures.get("activeConnections"));
        assertEquals(failed, figures.get("connectsFailed"));
    }

    /** The port a socket is bound to. */
    private static int port(SocketChannel bound) throws java.io.IOException {
        return ((InetSocketAddress) bound.getLocalAddress()).getPort();
    }
}
