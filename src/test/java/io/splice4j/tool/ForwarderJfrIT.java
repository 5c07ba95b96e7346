package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The packaged forwarder, run with a flight recording, records its relay and both directions. */
class ForwarderJfrIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aRecordingWithTheRepositorysSettingsHoldsTheRelayAndBothTransfers() throws Exception {
        long request = (5L << 20) + 3;
        long reply = (1L << 20) + 17;
        Path recording = dir.resolve("forwarder.jfr");
        List<String> jvm = List.of("-XX:StartFlightRecording=filename=" + recording + ",settings="
                + Path.of("docs/splice4j.jfc").toAbsolutePath(), "-Xlog:jfr+startup=error");
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ForwarderJar jar = new ForwarderJar(List.of(), jvm, "--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + ((InetSocketAddress) upstream.getLocalAddress()).getPort(), "--log-connections")) {
            int port = jar.awaitListening();
            CompletableFuture<Digest> upstreamReceived = ForwarderJar.upstreamOnce(upstream, reply);
            String client;
            String upstreamEnd;
            try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    port))) {
                InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
                client = local.getAddress().getHostAddress() + ":" + local.getPort();
                Digest sent = Payload.write(channel, request);
                channel.shutdownOutput();
                assertEquals(Payload.expected(reply), Payload.readToEnd(channel));
                assertEquals(sent, upstreamReceived.get(30, TimeUnit.SECONDS));
            }
            upstreamEnd = "127.0.0.1:" + ((InetSocketAddress) upstream.getLocalAddress()).getPort();
            // Logged after the relay's event was written, so the recording dumped at exit holds it.
            jar.awaitLogged("COMPLETED", 30);
            assertEquals(0, jar.terminate(), jar.stderr());
            assertTrue(Files.size(recording) > 0, "the recording was dumped at exit");

            List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
            List<RecordedEvent> relays = named(events, "io.splice4j.Relay");
            assertEquals(1, relays.size(), relays::toString);
            RecordedEvent relay = relays.get(0);
            assertEquals(client, relay.getString("a"));
            assertEquals(upstreamEnd, relay.getString("b"));
            assertEquals(request, relay.getLong("bytesAtoB"));
            assertEquals(reply, relay.getLong("bytesBtoA"));
            assertEquals("COMPLETED", relay.getString("end"));
            assertEquals("ZERO_COPY", relay.getString("pathAtoB"));

            List<RecordedEvent> transfers = named(events, "io.splice4j.Transfer");
            assertEquals(2, transfers.size(), transfers::toString);
            RecordedEvent forward = transfers.stream().filter(e -> client.equals(e.getString("source"))).findFirst()
                    .orElseThrow();
            RecordedEvent backward = transfers.stream().filter(e -> upstreamEnd.equals(e.getString("source")))
                    .findFirst().orElseThrow();
            assertEquals(request, forward.getLong("bytes"));
            assertEquals(upstreamEnd, forward.getString("target"));
            assertEquals(reply, backward.getLong("bytes"));
            assertEquals(client, backward.getString("target"));
            assertEquals("ZERO_COPY", forward.getString("path"));
        }
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
