package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.ProxyHeader;
import io.splice4j.support.ClientHellos;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder in this JVM routing real TLS clients by the server name in their ClientHello to real
 * TLS servers, each with a certificate of its own that the client alone trusts: three routes (to a
 * group, to a server, to a wildcard) and a default group. Each client completes its handshake with
 * the server its name routes to, which says so inside the session, and an echo checked by SHA-256;
 * the access log names the server and the name. Also: a hello sent a byte at a time, clients no
 * route takes with and without a default group, a PROXY header before the hello, and a client on a
 * Unix socket.
 */
@Timeout(120)
class SniRoutingTest {

    private static final int ECHO = 48 * 1024;

    @TempDir
    static Path keys;

    @TempDir
    Path directory;

    private static SniFrontEnd servers;
    private static TlsEchoServer api;
    private static TlsEchoServer exact;
    private static TlsEchoServer wild;
    private static TlsEchoServer fallback;

    @BeforeAll
    static void startServers() throws Exception {
        servers = SniFrontEnd.start(keys);
        api = servers.api;
        exact = servers.exact;
        wild = servers.wild;
        fallback = servers.fallback;
    }

    @AfterAll
    static void stopServers() throws IOException {
        if (servers != null) {
            servers.close();
        }
    }

    /** The three routes and the default group, then {@code more}. */
    private static String[] routes(String... more) {
        return Stream.of(List.of("--listen", "127.0.0.1:0"), servers.flags(), List.of(more)).flatMap(List::stream)
                .toArray(String[]::new);
    }

    @Test
    void eachClientCompletesItsHandshakeAndEchoWithTheServerItsNameRoutesTo() throws Exception {
        Path log = directory.resolve("access.log");
        List<Integer> before = servers.handshakes();
        ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse(routes("--access-log", log.toString())),
                result -> { }, Throwable::printStackTrace);
        try {
            servers.checkEveryClient((InetSocketAddress) forwarder.address(), ECHO);
        } finally {
            forwarder.close();
        }
        assertEquals(SniFrontEnd.HANDSHAKES, servers.handshakesSince(before), "api, exact, wild, default");
        int count = servers.clients().size();
        String summary = forwarder.summary();
        assertTrue(summary.contains(count + " connections (" + count + " completed"), summary);
        assertTrue(summary.contains("TLS ClientHellos rejected (malformed, incomplete, late or not TLS): 0; failed "
                + "to read here: 0; server names no route took: 0"), summary);
        servers.checkAccessLog(Files.readAllLines(log));
    }

    @Test
    void aHelloSentAByteAtATimeIsRoutedAndItsHandshakeCompletes() throws Exception {
        try (LogCapture log = new LogCapture();
             ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse(routes("--log-connections")),
                     result -> { }, Throwable::printStackTrace)) {
            TlsClient.ByteByByte socket = new TlsClient.ByteByByte();
            assertEquals(TlsEchoServer.greeting("any.wild.test", "split.wild.test"), TlsClient.greetingAfterEcho(
                    socket, (InetSocketAddress) forwarder.address(), "split.wild.test", wild.identity(), ECHO, 7));
            // A JDK ClientHello offering TLS 1.3 is a few hundred bytes: each went out in a write of its own.
            assertTrue(socket.writesBeforeRead() > 200, socket.writesBeforeRead() + " writes before the first read");
            List<LogCapture.Line> connected = log.flushedContaining(": connected to /" + wild.endpoint() + " from ");
            assertEquals(1, connected.size(), connected.toString());
            assertTrue(connected.getFirst().text().endsWith(" for TLS server name split.wild.test"),
                    connected.getFirst().text());
        }
    }

    @Test
    void aUnixSocketClientIsRoutedByItsHelloToo() throws Exception {
        Path socket = directory.resolve("front.sock");
        try (EchoServer routed = new EchoServer(); EchoServer other = new EchoServer();
             ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen", "unix:" + socket,
                     "--connect", "127.0.0.1:" + other.port(), "--sni-route", "unix.test=127.0.0.1:" + routed.port()),
                     result -> { }, Throwable::printStackTrace)) {
            byte[] hello = ClientHellos.jdk("TLSv1.3", "unix.test", "h2");
            byte[] data = "after the hello".getBytes(StandardCharsets.US_ASCII);
            byte[] sent = concat(hello, data);
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                // Half the hello, then the rest with the data: the read waits on the shared selector between.
                Wire.write(client, ByteBuffer.wrap(sent, 0, hello.length / 2));
                Wire.write(client, ByteBuffer.wrap(sent, hello.length / 2, sent.length - hello.length / 2));
                assertArrayEquals(sent, Wire.readExactly(client, sent.length));
            }
            assertEquals(1, routed.accepted());
            assertEquals(0, other.accepted());
        }
    }

    @Test
    void withoutADefaultGroupClientsNoRouteTakesAreClosedCountedAndLogged() throws Exception {
        Path log = directory.resolve("access.log");
        ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0",
                "--connect", "api=" + api.endpoint(), "--sni-route", "api.example.test=api", "--sni-route",
                "*.wild.test=" + wild.endpoint(), "--access-log", log.toString()), result -> { },
                Throwable::printStackTrace);
        try (LogCapture logged = new LogCapture()) {
            InetSocketAddress address = (InetSocketAddress) forwarder.address();
            assertTrue(forwarder.describe().contains(" -> by TLS server name only (balance roundrobin, retries 2, "
                    + "group api: /" + api.endpoint() + ", sni api.example.test -> group api, sni *.wild.test -> /"
                    + wild.endpoint() + ", sni timeout 5s), "), forwarder.describe());
            assertEquals(TlsEchoServer.greeting("api.example.test", "api.example.test"),
                    TlsClient.greetingAfterEcho(address, "api.example.test", api.identity(), ECHO, 1));
            for (String name : new String[] {"unknown.test", null, "wild.test"}) {
                assertThrows(SSLException.class, () -> TlsClient.greetingAfterEcho(address, name,
                        fallback.identity(), ECHO, 2), "closed before any handshake: " + name);
            }
            assertEquals(3, forwarder.sniRejections());
            assertEquals(0, forwarder.tlsHellosRejected());
            List<String> warned = logged.flushedContaining("closing the client").stream().map(LogCapture.Line::text)
                    .toList();
            assertTrue(warned.getFirst().endsWith(": no route for the TLS server name unknown.test, and no default "
                    + "group; closing the client (at most a line per 5s)"), warned.getFirst());
            // The next two come within the 5 s (a line each only on a machine slowed that much).
            assertTrue(warned.stream().allMatch(line -> line.contains(": no route for the TLS server name ")
                    || line.contains(": no TLS server name (SNI), and no default group; ")), warned.toString());
        } finally {
            forwarder.close();
        }
        assertTrue(forwarder.summary().contains("; server names no route took: 3"), forwarder.summary());
        // Lines come as connections end, which need not be the order the clients ran in.
        Map<String, String> ends = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            Map<String, Object> entry = StrictJson.object(line);
            String sni = String.valueOf(entry.get("sni"));
            assertEquals(sni.equals("api.example.test") ? api.endpoint() : null, entry.get("upstream"), line);
            assertEquals(null, ends.put(sni, (String) entry.get("end")), line);
        }
        assertEquals(Map.of("api.example.test", "completed", "unknown.test", "sni_rejected", "null", "sni_rejected",
                "wild.test", "sni_rejected"), ends);
    }

    @Test
    void aProxyHeaderComesFirstThenTheHelloHoweverTheyArriveAndBothGoUpstreamInOrder() throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (ServerSocketChannel routed = ServerSocketChannel.open().bind(loopback);
             ServerSocketChannel other = ServerSocketChannel.open().bind(loopback);
             ForwarderServer forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0",
                     "--connect", "127.0.0.1:" + other.socket().getLocalPort(), "--sni-route", "proxied.test=127.0.0.1:"
                     + routed.socket().getLocalPort(), "--accept-proxy", "--send-proxy", "v2"), result -> { },
                     Throwable::printStackTrace)) {
            InetSocketAddress source = new InetSocketAddress("192.0.2.7", 50_000);
            InetSocketAddress destination = new InetSocketAddress("198.51.100.1", 443);
            byte[] header = bytes(ProxyHeader.of(source, destination).encodeV1());
            byte[] hello = ClientHellos.jdk("TLSv1.3", "proxied.test", "h2");
            byte[] data = "after the hello".getBytes(StandardCharsets.US_ASCII);
            // Header and hello in one write; the hello's first half with the header; the hello a byte at a time.
            List<int[]> writes = List.of(new int[] {header.length + hello.length + data.length},
                    new int[] {header.length + hello.length / 2, hello.length - hello.length / 2 + data.length},
                    pieces(header.length, hello.length, data.length));
            for (int[] sizes : writes) {
                HeaderEcho upstream = HeaderEcho.serveOne(routed);
                byte[] sent = concat(header, hello, data);
                try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                    int at = 0;
                    for (int size : sizes) {
                        Wire.write(client, ByteBuffer.wrap(sent, at, size));
                        at += size;
                    }
                    // Everything after the header comes back: the hello first, untouched, then the data.
                    assertArrayEquals(concat(hello, data), Wire.readExactly(client, hello.length + data.length),
                            sizes.length + " writes");
                    client.shutdownOutput();
                    Wire.awaitEnd(client, 10, "the echo's end");
                }
                assertEquals(hello.length + data.length, upstream.echoed().get(10, TimeUnit.SECONDS));
                ProxyHeader seen = upstream.header().get(10, TimeUnit.SECONDS).header();
                assertEquals(Optional.of(source), seen.source(), "the client's header, passed on");
                assertEquals(Optional.of(destination), seen.destination());
            }
            assertEquals(0, forwarder.proxyHeadersRejected());
            assertEquals(0, forwarder.tlsHellosRejected());
        }
    }

    /** Writes of the header whole, then the hello a byte each, then the data. */
    private static int[] pieces(int header, int hello, int data) {
        List<Integer> sizes = new ArrayList<>(List.of(header));
        for (int i = 0; i < hello; i++) {
            sizes.add(1);
        }
        sizes.add(data);
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(part -> part.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
