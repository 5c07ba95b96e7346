package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.ProxyHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
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
                     result -> { }, Throwable::printStackTrace);
             ForwarderServer a = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + ((InetSocketAddress) b.address()).getPort(), "--send-proxy", "v2"),
                     result -> { }, Throwable::printStackTrace)) {
            HeaderEcho upstream = HeaderEcho.serveOne(server);
            SocketAddress client = EchoTraffic.roundTrip(a.address(), SIZE);
            assertEquals(SIZE, upstream.echoed().get(60, TimeUnit.SECONDS), "bytes the server got after the header");
            ProxyHeader seen = upstream.header().get(60, TimeUnit.SECONDS).header();
            assertEquals(ProxyHeader.Family.TCP4, seen.family());
            assertEquals(Optional.of(client), seen.source().map(SocketAddress.class::cast), "the original client");
            assertEquals(Optional.of(a.address()), seen.destination().map(SocketAddress.class::cast),
                    "where the client connected: the first forwarder");
            assertEquals(0, b.proxyHeadersRejected());
        }
    }
}
