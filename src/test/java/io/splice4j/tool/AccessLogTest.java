package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.ProxyHeader;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --access-log}: exactly one valid JSON line per connection, however it ended (completed,
 * reset by either side, idle, rejected for its PROXY header, refused upstream, reset by a drain),
 * saying who, where to, what moved and how it ended; and a destination nobody reads loses lines,
 * counted, without holding up whoever ends a connection.
 */
class AccessLogTest {

    private static final Set<String> MEMBERS = Set.of("start", "duration_s", "client", "via", "sni", "upstream",
            "bytes_to_upstream", "bytes_to_client", "path_to_upstream", "path_to_client", "end");

    /** What makes the upstream reset a connection that starts with it; no test token starts with 'R'. */
    private static final byte[] RESET = "RESET!".getBytes(StandardCharsets.US_ASCII);

    /** The source port each proxied client's header names. */
    private static final Map<String, Integer> SOURCE_PORTS = Map.of("completed", 1001, "reset_by_client", 1002,
            "reset_by_upstream", 1003, "idle_timeout", 1004, "drained", 1006, "connect_failed", 1007);

    @TempDir
    Path directory;

    @Test
    @Timeout(60)
    void oneLinePerConnectionHoweverItEnded() throws Exception {
        Path log = directory.resolve("access.log");
        Instant before = Instant.now().minusSeconds(1);
        Map<String, Integer> clientPorts = new HashMap<>();
        ForwarderServer forwarder;
        SocketChannel drained = null;
        int upstreamPort;
        try (EchoServer upstream = EchoServer.resettingOn(RESET[0])) {
            upstreamPort = upstream.port();
            forwarder = ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                    "127.0.0.1:" + upstreamPort, "--accept-proxy", "--idle-timeout", "3s", "--access-log",
                    log.toString()), result -> { }, Throwable::printStackTrace);
            try {
                assertTrue(forwarder.describe().contains(", access log to " + log + ", "), forwarder.describe());
                InetSocketAddress address = (InetSocketAddress) forwarder.address();
                try (SocketChannel client = proxied(address, "completed", clientPorts)) {
                    Wire.roundTrip(client, 1);
                    client.shutdownOutput();
                    Wire.awaitEnd(client, 10, "the echo's end");
                }
                try (SocketChannel client = proxied(address, "reset_by_client", clientPorts)) {
                    Wire.roundTrip(client, 2);
                    client.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
                try (SocketChannel client = proxied(address, "reset_by_upstream", clientPorts)) {
                    Wire.write(client, ByteBuffer.wrap(RESET));
                    SocketException reset = assertThrows(SocketException.class,
                            () -> client.read(ByteBuffer.allocate(1)));
                    assertEquals("Connection reset", reset.getMessage());
                }
                try (SocketChannel client = proxied(address, "idle_timeout", clientPorts)) {
                    Wire.roundTrip(client, 4);
                    Wire.awaitEnd(client, 20, "the idle timeout's end");
                }
                try (SocketChannel client = SocketChannel.open(address)) {
                    clientPorts.put("header_rejected", local(client));
                    Wire.write(client, ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                    Wire.awaitEnd(client, 10, "a client without a PROXY header is closed");
                }
                drained = proxied(address, "drained", clientPorts);
                Wire.roundTrip(drained, 6);
                upstream.close();
                try (SocketChannel client = proxied(address, "connect_failed", clientPorts)) {
                    Wire.awaitEnd(client, 10, "a client whose upstream refuses is closed");
                }
            } finally {
                forwarder.close();
            }
        }
        Wire.awaitEnd(drained, 10, "the drain's end resets the connection still open");
        drained.close();

        String text = Files.readString(log);
        assertTrue(text.endsWith("\n") && !text.contains("\r"), text);
        List<String> lines = text.lines().toList();
        assertTrue(forwarder.summary().startsWith("splice4j summary: " + lines.size() + " connections ("),
                forwarder.summary());
        Map<String, Map<String, Object>> byEnd = new HashMap<>();
        for (String line : lines) {
            Map<String, Object> entry = StrictJson.object(line);
            assertTrue(MEMBERS.containsAll(entry.keySet()), line);
            assertNull(byEnd.put((String) entry.get("end"), entry), "one line per connection: " + text);
            Instant start = Instant.parse((String) entry.get("start"));
            assertTrue(start.isAfter(before) && start.isBefore(Instant.now()), line);
            assertTrue(((BigDecimal) entry.get("duration_s")).signum() >= 0, line);
            assertFalse(entry.containsKey("sni"), "no SNI without routing: " + line);
        }
        assertEquals(clientPorts.keySet(), byEnd.keySet(), text);

        for (Map.Entry<String, Integer> proxied : SOURCE_PORTS.entrySet()) {
            Map<String, Object> entry = byEnd.get(proxied.getKey());
            assertEquals("203.0.113.1:" + proxied.getValue(), entry.get("client"), "the header's source: " + entry);
            assertEquals("127.0.0.1:" + clientPorts.get(proxied.getKey()), entry.get("via"), entry.toString());
            assertEquals("127.0.0.1:" + upstreamPort, entry.get("upstream"), entry.toString());
            boolean relayed = !proxied.getKey().equals("connect_failed");
            for (String path : List.of("path_to_upstream", "path_to_client")) {
                assertEquals(relayed, entry.get(path) instanceof String taken && Set.of("zero_copy", "portable")
                        .contains(taken), path + ": " + entry);
            }
        }
        Map<String, Object> completed = byEnd.get("completed");
        assertEquals(new BigDecimal(8), completed.get("bytes_to_upstream"));
        assertEquals(new BigDecimal(8), completed.get("bytes_to_client"));
        assertEquals(new BigDecimal(RESET.length), byEnd.get("reset_by_upstream").get("bytes_to_upstream"));
        assertTrue(((BigDecimal) byEnd.get("idle_timeout").get("duration_s")).compareTo(new BigDecimal(3)) >= 0,
                byEnd.get("idle_timeout").toString());
        Map<String, Object> rejected = byEnd.get("header_rejected");
        assertEquals("127.0.0.1:" + clientPorts.get("header_rejected"), rejected.get("client"), "its own address");
        for (String member : List.of("via", "upstream", "path_to_upstream", "path_to_client")) {
            assertFalse(rejected.containsKey(member), member + " in " + rejected);
        }
        assertEquals(new BigDecimal(0), rejected.get("bytes_to_upstream"));
    }

    /**
     * The log's destination a FIFO nobody reads: once the pipe and the queue are full, lines are
     * dropped and counted, and queueing never waits; closing the log ends its blocked writer.
     */
    @Test
    @Timeout(60)
    void aDestinationNobodyReadsDropsLinesAndNeverHoldsUpTheCaller() throws Exception {
        Path fifo = Fifo.make(directory.resolve("access.fifo"));
        CompletableFuture<FileChannel> reader = Fifo.reader(fifo);
        int capacity = 64;
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            AccessLog log = AccessLog.open(fifo.toString(), capacity);
            Connection connection = new Connection(accepted);
            try (FileChannel unread = reader.get(10, TimeUnit.SECONDS)) {
                // Lines of ~140 bytes until the writer no longer catches up: the pipe (64 KiB) is full.
                int offered = 0;
                while (log.flush(Duration.ofMillis(100))) {
                    for (int i = 0; i < 500; i++) {
                        log.ended(connection, Optional.empty(), ConnectionEnd.CLOSED);
                    }
                    offered += 500;
                    assertTrue(offered < 1_000_000, "the writer still catches up after " + offered + " lines");
                }
                long droppedBefore = log.dropped();
                int more = 20_000;
                for (int i = 0; i < more; i++) {
                    log.ended(connection, Optional.empty(), ConnectionEnd.CLOSED);
                }
                // The stuck writer took none of them; the flush marker holds a place in the queue.
                assertTrue(log.dropped() - droppedBefore >= more - capacity, log.dropped() - droppedBefore
                        + " of " + more + " dropped");
                assertTrue(unread.isOpen());
            } finally {
                log.close();
            }
        }
    }

    /**
     * A client connection that starts with a PROXY v1 header from 203.0.113.1 and the source port of
     * {@code scenario}; its own port is noted in {@code clientPorts}.
     */
    private static SocketChannel proxied(InetSocketAddress forwarder, String scenario, Map<String, Integer> clientPorts)
            throws IOException {
        SocketChannel client = SocketChannel.open(forwarder);
        clientPorts.put(scenario, local(client));
        Wire.write(client, ProxyHeader.of(new InetSocketAddress("203.0.113.1", SOURCE_PORTS.get(scenario)),
                new InetSocketAddress("198.51.100.1", 443)).encodeV1());
        return client;
    }

    private static int local(SocketChannel client) throws IOException {
        return assertInstanceOf(InetSocketAddress.class, client.getLocalAddress()).getPort();
    }
}
