package io.splice4j.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;

/**
 * The server of the round-trip benchmark: on a thread of its own, reads one message of a fixed size
 * at a time and writes it straight back, until end-of-stream, which it passes on by shutting down
 * its output.
 */
final class Echo extends Peer {

    Echo() {
        super("bench-echo");
    }

    /** Serves {@code channel} until end-of-stream; the job's result is the bytes echoed. */
    Future<Long> serve(SocketChannel channel, int messageSize) {
        return submit(() -> {
            ByteBuffer message = ByteBuffer.allocateDirect(messageSize);
            long echoed = 0;
            for (;;) {
                message.clear();
                while (message.hasRemaining()) {
                    if (channel.read(message) < 0) {
                        if (message.position() != 0) {
                            throw new IllegalStateException("end-of-stream inside a message, " + message.position()
                                    + " of " + messageSize + " bytes in");
                        }
                        channel.shutdownOutput();
                        return echoed;
                    }
                }
                message.flip();
                while (message.hasRemaining()) {
                    channel.write(message);
                }
                echoed += messageSize;
            }
        });
    }
}
