package io.splice4j.tool;

import io.splice4j.ProxyProtocol;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A server behind a forwarder that sends PROXY headers: takes one connection, reads its header,
 * then echoes whatever follows until the end of the stream.
 *
 * @param header the header it read
 * @param echoed how many bytes after the header it echoed
 */
record HeaderEcho(CompletableFuture<ProxyProtocol.Received> header, CompletableFuture<Long> echoed) {

    /** Serves the next connection to {@code server} on a virtual thread. */
    static HeaderEcho serveOne(ServerSocketChannel server) {
        HeaderEcho echo = new HeaderEcho(new CompletableFuture<>(), new CompletableFuture<>());
        Thread.ofVirtual().start(() -> echo.serve(server));
        return echo;
    }

    private void serve(ServerSocketChannel server) {
        try (SocketChannel connection = server.accept()) {
            ProxyProtocol.Received received = ProxyProtocol.read(connection, Duration.ofSeconds(10));
            header.complete(received);
            long total = 0;
            ByteBuffer buffer = ByteBuffer.allocate(256 * 1024).put(received.pastHeader());
            // The bytes that came with the header go back first: the client may wait for them.
            do {
                buffer.flip();
                total += buffer.remaining();
                Wire.write(connection, buffer);
                buffer.clear();
            } while (connection.read(buffer) >= 0);
            connection.shutdownOutput();
            echoed.complete(total);
        } catch (Throwable e) {
            header.completeExceptionally(e);
            echoed.completeExceptionally(e);
        }
    }
}
