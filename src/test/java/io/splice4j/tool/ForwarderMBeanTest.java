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
}
