package io.splice4j.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;

/** Writes the payload into the source connection, then shuts its output: the end-of-stream that ends a transfer. */
final class Sender extends Peer {

    private final Payload payload;

    Sender(Payload payload) {
        super("bench-sender");
        this.payload = payload;
    }

    /** Writes the payload once and leaves the connection open (the file benchmark's). */
    Future<Long> write(SocketChannel channel) {
        return submit(() -> {
            ByteBuffer bytes = payload.view();
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            return (long) payload.size();
        });
    }

    Future<Long> send(SocketChannel channel) {
        return submit(() -> {
            ByteBuffer bytes = payload.view();
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.shutdownOutput();
            return (long) payload.size();
        });
    }
}
