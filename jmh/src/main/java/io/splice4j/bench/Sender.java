package io.splice4j.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;

/** Writes the payload into the source connection, then shuts its output: the end-of-stream that ends a transfer. */
final class Sender extends Peer {

    private final ByteBuffer payload;

    /** Sends {@code payload} from its position to its limit each time; the buffer itself is not moved. */
    Sender(ByteBuffer payload) {
        super("bench-sender");
        this.payload = payload;
    }

    /** Writes the payload once and leaves the connection open (the file benchmark's). */
    Future<Long> write(SocketChannel channel) {
        return submit(() -> writeAll(channel));
    }

    Future<Long> send(SocketChannel channel) {
        return submit(() -> {
            long written = writeAll(channel);
            channel.shutdownOutput();
            return written;
        });
    }

    private long writeAll(SocketChannel channel) throws java.io.IOException {
        ByteBuffer bytes = payload.duplicate();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        return payload.remaining();
    }
}
