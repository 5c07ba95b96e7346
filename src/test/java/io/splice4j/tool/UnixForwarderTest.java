package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.ProxyHeader;
import io.splice4j.support.OpenFds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The forwarder with a Unix socket at either end or both: bytes intact, the socket file replaced
 * only when stale, given its mode, and removed at the end.
 */
@Timeout(60)
class UnixForwarderTest {

    private static final long SIZE = 4L << 20;

    @TempDir
    Path directory;

    /** A round trip first, so that what the JDK opens once for good is open before fds are counted. */
    @BeforeAll
    static void warmUp(@TempDir Path directory) throws Exception {
        Path up = directory.resolve("warm.sock");
        try (EchoServer echo = unixEcho(up);
             ForwarderServer forwarder = start("--listen", "unix:" + directory.resolve("f.sock"), "--connect",
                     "unix:" + up, "--accept-proxy", "--proxy-timeout", "100ms")) {
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                Wire.write(client, ProxyHeader.unknown().encodeV1());
                Wire.roundTrip(client, 1);
            }
            // A late header: the timeout closes the client under its reader, which makes the JDK open
            // a socket it keeps for good.
            try (SocketChannel late = SocketChannel.open(forwarder.address())) {
                awaitEnd(late);
            }
        }
    }

    /** Waits for the forwarder to end a Unix client's connection (no socket adaptor: no read timeout). */
    private static void awaitEnd(SocketChannel client) {
        try {
            assertEquals(-1, client.read(ByteBuffer.allocate(1)), "no byte before the end");
        } catch (IOException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
        }
    }

    @Test
    void unixClientsToATcpUpstream() throws Exception {
        Path socket = directory.resolve("in.sock");
        Map<Integer, String> before = OpenFds.list();
        try (EchoServer echo = new EchoServer()) {
            ForwarderServer forwarder = start("--listen", "unix:" + socket, "--connect", "127.0.0.1:" + echo.port());
            try {
                assertEquals(UnixDomainSocketAddress.of(socket), forwarder.address());
                assertTrue(forwarder.describe().startsWith("forwarding unix:" + socket + " -> /127.0.0.1:"
                        + echo.port() + ", mode"), forwarder.describe());
                EchoTraffic.roundTrip(UnixDomainSocketAddress.of(socket), SIZE);
            } finally {
                forwarder.close();
            }
            assertFalse(Files.exists(socket), "the socket file is removed on close");
            assertTrue(echo.awaitNoneOpen(10));
        }
        assertEquals("", OpenFds.openedSince(before), "every fd is closed");
    }

    @Test
    void tcpClientsToAUnixUpstream() throws Exception {
        Path up = directory.resolve("up.sock");
        Map<Integer, String> before = OpenFds.list();
        try (EchoServer echo = unixEcho(up);
             ForwarderServer forwarder = start("--listen", "127.0.0.1:0", "--connect", "unix:" + up)) {
            EchoTraffic.roundTrip(forwarder.address(), SIZE);
            assertTrue(forwarder.describe().contains(" -> unix:" + up + ", mode"), forwarder.describe());
            forwarder.close();
            assertTrue(echo.awaitNoneOpen(10), "the forwarder closed its upstream sockets");
        }
        Files.delete(up);
        assertEquals("", OpenFds.openedSince(before), "every fd is closed");
    }

    @Test
    void unixToUnix() throws Exception {
        Path up = directory.resolve("up.sock");
        Path socket = directory.resolve("in.sock");
        try (EchoServer echo = unixEcho(up);
             ForwarderServer forwarder = start("--listen", "unix:" + socket, "--connect", "unix:" + up)) {
            for (int i = 0; i < 3; i++) {
                EchoTraffic.roundTrip(forwarder.address(), SIZE);
            }
        }
        assertFalse(Files.exists(socket));
    }

    /**
     * A Unix connect to a listener whose backlog is full fails at once with EAGAIN (where a TCP
     * connect would wait for its handshake): the forwarder retries it until --connect-timeout.
     */
    @Test
    void aUnixUpstreamWhoseBacklogStaysFullTimesOut() throws Exception {
        Path up = directory.resolve("full.sock");
        UnixDomainSocketAddress upAddress = UnixDomainSocketAddress.of(up);
        List<SocketChannel> queued = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(upAddress, 1)) {
            // Connections nobody accepts, until the kernel refuses one: the backlog is full.
            for (boolean room = true; room; ) {
                SocketChannel filler = SocketChannel.open(StandardProtocolFamily.UNIX);
                queued.add(filler);
                filler.configureBlocking(false);
                try {
                    filler.connect(upAddress);
                } catch (java.net.SocketException e) {
                    assertTrue(e.getMessage().contains("temporarily unavailable"), e.toString());
                    room = false;
                }
            }
            ForwarderServer forwarder = start("--listen", "127.0.0.1:0", "--connect", "unix:" + up,
                    "--connect-timeout", "300ms");
            try (forwarder; SocketChannel client = SocketChannel.open(forwarder.address())) {
                long start = System.nanoTime();
                awaitEnd(client);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                // Before the retries the connect failed at once, counted as a failure, not a timeout.
                assertTrue(millis >= 250, "the client was closed after " + millis + " ms");
                assertTrue(forwarder.summary().contains("timeouts: 0 idle, 1 connect"), forwarder.summary());
            }
        } finally {
            for (SocketChannel filler : queued) {
                filler.close();
            }
        }
    }

    @ParameterizedTest(name = "--send-proxy {0}")
    @ValueSource(strings = {"v1", "v2"})
    void unixClientsGoUpstreamAsProxyUnknown(String version) throws Exception {
        Path socket = directory.resolve("in.sock");
        Path up = directory.resolve("up.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(up));
             ForwarderServer forwarder = start("--listen", "unix:" + socket, "--connect", "unix:" + up,
                     "--send-proxy", version)) {
            HeaderEcho upstream = HeaderEcho.serveOne(server);
            EchoTraffic.roundTrip(forwarder.address(), 1 << 20);
            assertEquals(ProxyHeader.unknown(), upstream.header().get(10, TimeUnit.SECONDS).header(),
                    "no IP address to tell: PROXY UNKNOWN (v1), PROXY UNSPEC (v2)");
            assertEquals(1L << 20, upstream.echoed().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void unixClientsMaySendProxyHeadersToo() throws Exception {
        Path socket = directory.resolve("in.sock");
        InetSocketAddress source = new InetSocketAddress("192.0.2.1", 51_234);
        InetSocketAddress destination = new InetSocketAddress("198.51.100.7", 443);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             ForwarderServer forwarder = start("--listen", "unix:" + socket, "--connect",
                     "127.0.0.1:" + server.socket().getLocalPort(), "--accept-proxy", "--proxy-timeout", "300ms",
                     "--send-proxy", "v1")) {
            HeaderEcho upstream = HeaderEcho.serveOne(server);
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                ByteBuffer header = ProxyHeader.of(source, destination).encodeV2();
                ByteBuffer data = Wire.token(7);
                Wire.write(client, ByteBuffer.allocate(header.remaining() + 8).put(header).put(data.duplicate()).flip());
                assertArrayEquals(data.array(), Wire.readExactly(client, 8), "the data after the header, echoed");
            }
            assertEquals(ProxyHeader.of(source, destination), upstream.header().get(10, TimeUnit.SECONDS).header());
            try (SocketChannel late = SocketChannel.open(forwarder.address())) {
                Wire.write(late, ByteBuffer.wrap(new byte[] {'P', 'R', 'O'}));
                long start = System.nanoTime();
                awaitEnd(late);
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "after --proxy-timeout");
            }
            try (SocketChannel wrong = SocketChannel.open(forwarder.address())) {
                Wire.write(wrong, ByteBuffer.wrap("PROXY TCP5 ".getBytes(StandardCharsets.US_ASCII)));
                awaitEnd(wrong);
            }
            assertEquals(2, forwarder.proxyHeadersRejected());
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path socket = directory.resolve("in.sock");
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket)).close();
        assertTrue(Files.exists(socket), "closing a listener leaves its file");
        try (EchoServer echo = new EchoServer();
             ForwarderServer forwarder = start("--listen", "unix:" + socket, "--connect", "127.0.0.1:" + echo.port())) {
            EchoTraffic.roundTrip(forwarder.address(), 1 << 16);
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void aRegularFileIsLeftAlone() throws Exception {
        Path file = directory.resolve("data.sock");
        Files.writeString(file, "keep me");
        ListenPathException e = assertThrows(ListenPathException.class,
                () -> start("--listen", "unix:" + file, "--connect", "127.0.0.1:9"));
        assertEquals("--listen unix:" + file + ": the path exists and is not a socket (a regular file); not "
                + "replacing it", e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aDirectoryIsLeftAlone() throws Exception {
        Path taken = Files.createDirectory(directory.resolve("dir.sock"));
        ListenPathException e = assertThrows(ListenPathException.class,
                () -> start("--listen", "unix:" + taken, "--connect", "127.0.0.1:9"));
        assertEquals("--listen unix:" + taken + ": the path exists and is not a socket (a directory); not "
                + "replacing it", e.getMessage());
        assertTrue(Files.isDirectory(taken));
    }

    @Test
    void aLiveListenerIsLeftAlone() throws Exception {
        Path socket = directory.resolve("live.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(socket))) {
            ListenPathException e = assertThrows(ListenPathException.class,
                    () -> start("--listen", "unix:" + socket, "--connect", "127.0.0.1:9"));
            assertEquals("--listen unix:" + socket + ": a server is listening there already", e.getMessage());
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                 SocketChannel accepted = live.accept()) {
                assertTrue(accepted.isConnected(), "the listener still has its file");
            }
        }
    }

    @ParameterizedTest(name = "--unix-mode {0}")
    @ValueSource(strings = {"600", "660", "0666", "640"})
    void theModeIsApplied(String mode) throws Exception {
        Path socket = directory.resolve("in.sock");
        try (EchoServer echo = new EchoServer();
             ForwarderServer forwarder = start("--listen", "unix:" + socket, "--connect", "127.0.0.1:" + echo.port(),
                     "--unix-mode", mode)) {
            assertEquals(EdgeOptions.mode(mode), Files.getPosixFilePermissions(socket));
            assertEquals(List.of(socket), listDirectory(), "the directory it was bound in is gone");
            EchoTraffic.roundTrip(forwarder.address(), 1 << 16);
        }
        assertEquals(List.of(), listDirectory());
    }

    @Test
    void badModesAndMisplacedModesAreUsageErrors() {
        for (String bad : new String[] {"888", "rw-", "7777", "", "66"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(
                    "--listen", "unix:/tmp/x.sock", "--connect", "127.0.0.1:1", "--unix-mode", bad));
            assertEquals("--unix-mode wants octal permissions such as 660 or 0600, got '" + bad + "'", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(
                "--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2", "--unix-mode", "600"));
        assertEquals("--unix-mode needs --listen unix:/path", e.getMessage());
        assertEquals("rw-r-----", PosixFilePermissions.toString(EdgeOptions.mode("640")));
    }

    private List<Path> listDirectory() throws IOException {
        try (var files = Files.list(directory)) {
            return files.toList();
        }
    }

    private static EchoServer unixEcho(Path path) throws IOException {
        return new EchoServer(ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(path)));
    }

    private static ForwarderServer start(String... args) throws IOException {
        return ForwarderServer.start(ForwarderArgs.parse(args), result -> { }, Throwable::printStackTrace);
    }
}
