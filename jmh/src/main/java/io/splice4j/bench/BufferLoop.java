package io.splice4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The plain JDK NIO copy loop every proxy starts with: blocking read into one buffer, write it all
 * out, repeat until end-of-stream. The buffer is allocated once per trial and reused, the best case
 * for this loop (splice4j's portable path allocates its buffer per transfer).
 *
 * <p>With a direct buffer this is the baseline row. With a heap buffer the JDK copies each chunk
 * through a temporary direct buffer of its own on both read and write: one more copy per byte.
 */
final class BufferLoop implements JdkRoute.Mover {

    private final ByteBuffer buffer;

    BufferLoop(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public long move(SocketChannel source, SocketChannel target) throws IOException {
        long moved = 0;
        for (;;) {
            buffer.clear();
            int n = source.read(buffer);
            if (n < 0) {
                return moved;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                target.write(buffer);
            }
            moved += n;
        }
    }
}
