package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A client that sends a known stream to an echo behind a forwarder and checks what comes back. */
final class EchoTraffic {

    private EchoTraffic() {
    }

    /**
     * Connects to {@code forwarder}, sends {@code size} bytes of the payload stream while reading,
     * ends its output, and checks that exactly those bytes come back (length and SHA-256).
     *
     * @return the client's own address, as it was while connected
     */
    static SocketAddress roundTrip(SocketAddress forwarder, long size) throws Exception {
        try (SocketChannel client = SocketChannel.open(forwarder)) {
            CompletableFuture<Digest> sent = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    sent.complete(Payload.write(client, size));
                    client.shutdownOutput();
                } catch (Throwable e) {
                    sent.completeExceptionally(e);
                }
            });
            Digest received = Payload.readToEnd(client);
            assertEquals(Payload.expected(size), sent.get(60, TimeUnit.SECONDS));
            assertEquals(Payload.expected(size), received, "length and SHA-256 of what came back");
            return local(client);
        }
    }

    private static SocketAddress local(SocketChannel client) throws IOException {
        return client.getLocalAddress();
    }
}
