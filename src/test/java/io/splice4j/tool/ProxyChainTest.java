package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocol;
import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two forwarders in a row speak the PROXY protocol to each other and to the server behind them:
 * the server learns the original client's addresses, and every byte arrives, in order.
 */
class ProxyChainTest {

    private static final long SIZE = 8L << 20;

    @Test
    @Timeout(120)
    void theServerBehindTwoForwardersSeesTheClientsAddressesAndEveryByte() throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(loopback);
             ForwarderServer b = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + server.socket().getLocalPort(), "--accept-proxy", "--send-proxy", "v1"),
                     result -> { });
             ForwarderServer a = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + ((InetSocketAddress) b.address()).getPort(), "--send-proxy", "v2"),
                     result -> { })) {
            CompletableFuture<ProxyProtocol.Received> header = new CompletableFuture<>();
            CompletableFuture<Long> echoed = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> echoAfterHeader(server, header, echoed));
            try (SocketChannel client = SocketChannel.open(a.address())) {
                CompletableFuture<Digest> sent = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        sent.complete(Payload.write(client, SIZE));
                        client.shutdownOutput();
                    } catch (Throwable e) {
                        sent.completeExceptionally(e);
                    }
                });
                Digest received = Payload.readToEnd(client);
                assertEquals(Payload.expected(SIZE), sent.get(60, TimeUnit.SECONDS));
                assertEquals(Payload.expected(SIZE), received, "length and SHA-256 of what came back");
                assertEquals(SIZE, echoed.get(60, TimeUnit.SECONDS), "bytes the server got after the header");
                ProxyHeader seen = header.get(60, TimeUnit.SECONDS).header();
                assertEquals(ProxyHeader.Family.TCP4, seen.family());
                assertEquals(Optional.of(client.getLocalAddress()), seen.source().map(InetSocketAddress.class::cast),
                        "the original client");
                assertEquals(Optional.of(a.address()), seen.destination().map(InetSocketAddress.class::cast),
                        "where the client connected: the first forwarder");
            }
            assertEquals(0, b.proxyHeadersRejected());
        }
    }

    /** The server: reads a v1 header, then echoes whatever follows it until the end of the stream. */
    private static void echoAfterHeader(ServerSocketChannel server, CompletableFuture<ProxyProtocol.Received> header,
            CompletableFuture<Long> echoed) {
        try (SocketChannel connection = server.accept()) {
            ProxyProtocol.Received received = ProxyProtocol.read(connection, Duration.ofSeconds(10));
            header.complete(received);
            long total = 0;
            ByteBuffer buffer = received.pastHeader().hasRemaining()
                    ? ByteBuffer.allocate(256 * 1024).put(received.pastHeader()) : ByteBuffer.allocate(256 * 1024);
            while (connection.read(buffer) >= 0 || buffer.position() > 0) {
                buffer.flip();
                total += buffer.remaining();
                Wire.write(connection, buffer);
                buffer.clear();
            }
            connection.shutdownOutput();
            echoed.complete(total);
        } catch (Throwable e) {
            header.completeExceptionally(e);
            echoed.completeExceptionally(e);
        }
    }
}
