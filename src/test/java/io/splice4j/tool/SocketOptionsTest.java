package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --reuseport}: two forwarders listen on one port and both serve. {@code --keepalive}: the
 * kernel holds the asked timings on the client's and the upstream's socket, read back from them,
 * and a Unix socket is left without.
 */
@Timeout(60)
class SocketOptionsTest {

    @TempDir
    Path directory;

    @Test
    void twoForwardersWithReusePortListenOnOnePortAndBothServe() throws Exception {
        AtomicInteger firstServed = new AtomicInteger();
        AtomicInteger secondServed = new AtomicInteger();
        try (EchoServer echo = new EchoServer();
             ForwarderServer first = start(counting(firstServed), "--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + echo.port(), "--reuseport")) {
            InetSocketAddress shared = (InetSocketAddress) first.address();
            assertTrue(first.describe().contains(", SO_REUSEPORT, "), first.describe());
            try (ForwarderServer second = start(counting(secondServed), "--listen", "127.0.0.1:" + shared.getPort(),
                    "--connect", "127.0.0.1:" + echo.port(), "--reuseport")) {
                assertEquals(shared, second.address());
                // The kernel picks a listener by a hash of each client's address and port: with both
                // serving, 200 clients all landing on one has odds of 2^-199.
                for (int i = 0; i < 200 && (firstServed.get() == 0 || secondServed.get() == 0); i++) {
                    try (SocketChannel client = SocketChannel.open(shared)) {
                        Wire.roundTrip(client, i);
                    }
                }
                assertTrue(firstServed.get() > 0 && secondServed.get() > 0, firstServed + " and " + secondServed);
            }
        }
    }

    @Test
    void withoutReusePortOnBothTheSecondCantListen() throws Exception {
        try (ForwarderServer first = start(UnaryOperator.identity(), "--listen", "127.0.0.1:0", "--connect",
                "127.0.0.1:1")) {
            int port = ((InetSocketAddress) first.address()).getPort();
            BindException taken = assertThrows(BindException.class, () -> start(UnaryOperator.identity(),
                    "--listen", "127.0.0.1:" + port, "--connect", "127.0.0.1:1", "--reuseport"));
            assertEquals("Address already in use", taken.getMessage());
        }
    }

    @Test
    void keepaliveIsOnForTheClientAndTheUpstreamWithTheAskedTimings() throws Exception {
        CompletableFuture<Connection> taken = new CompletableFuture<>();
        try (EchoServer echo = new EchoServer();
             ForwarderServer forwarder = start(capturing(taken), "--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + echo.port(), "--keepalive", "30s,5s,3")) {
            assertTrue(forwarder.describe().contains(", keepalive 30s,5s,3, "), forwarder.describe());
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                Wire.roundTrip(client, 1);
                Connection connection = taken.get(10, TimeUnit.SECONDS);
                assertKeepalive(connection.client(), 30, 5, 3);
                assertKeepalive(connection.upstream(), 30, 5, 3);
            }
        }
    }

    @Test
    void withoutTheFlagTheSocketsKeepTheSystemDefaultOff() throws Exception {
        CompletableFuture<Connection> taken = new CompletableFuture<>();
        try (EchoServer echo = new EchoServer();
             ForwarderServer forwarder = start(capturing(taken), "--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + echo.port())) {
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                Wire.roundTrip(client, 1);
                Connection connection = taken.get(10, TimeUnit.SECONDS);
                assertFalse(connection.client().getOption(StandardSocketOptions.SO_KEEPALIVE));
                assertFalse(connection.upstream().getOption(StandardSocketOptions.SO_KEEPALIVE));
            }
        }
    }

    @Test
    void aUnixClientHasNoKeepaliveAndItsTcpUpstreamHasIt() throws Exception {
        CompletableFuture<Connection> taken = new CompletableFuture<>();
        try (EchoServer echo = new EchoServer();
             ForwarderServer forwarder = start(capturing(taken), "--listen", "unix:" + directory.resolve("in.sock"),
                     "--connect", "127.0.0.1:" + echo.port(), "--keepalive", "60s,10s,5")) {
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                Wire.roundTrip(client, 1);
                Connection connection = taken.get(10, TimeUnit.SECONDS);
                assertFalse(connection.client().supportedOptions().contains(StandardSocketOptions.SO_KEEPALIVE));
                assertKeepalive(connection.upstream(), 60, 10, 5);
            }
        }
    }

    private static void assertKeepalive(SocketChannel socket, int idle, int interval, int count) throws IOException {
        assertTrue(socket.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE");
        assertEquals(idle, socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE), "TCP_KEEPIDLE");
        assertEquals(interval, socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL), "TCP_KEEPINTVL");
        assertEquals(count, socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT), "TCP_KEEPCNT");
    }

    /** Hands each client over, counting it. */
    private static UnaryOperator<Consumer<Connection>> counting(AtomicInteger served) {
        return connector -> connection -> {
            served.incrementAndGet();
            connector.accept(connection);
        };
    }

    /** Hands each client over, keeping the first. */
    private static UnaryOperator<Consumer<Connection>> capturing(CompletableFuture<Connection> first) {
        return connector -> connection -> {
            first.complete(connection);
            connector.accept(connection);
        };
    }

    private static ForwarderServer start(UnaryOperator<Consumer<Connection>> handOver, String... args)
            throws IOException {
        return ForwarderServer.start(ForwarderArgs.parse(args), result -> { }, Throwable::printStackTrace, handOver);
    }
}
