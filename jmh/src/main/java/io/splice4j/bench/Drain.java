package io.splice4j.bench;

import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;

/**
 * Reads the target connection to its end-of-stream on its own thread, as the far end of a proxy
 * would. Measured operations only count bytes; verifying ones also compare every byte.
 */
final class Drain extends Peer {

    /** Large enough that the reader is never the narrow part; the same for every row. */
    private static final int BUFFER_SIZE = 1 << 20;

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);

    Drain() {
        super("bench-drain");
    }

    /** Counts the bytes until end-of-stream. */
    Future<Long> count(SocketChannel channel) {
        return submit(() -> read(channel, false));
    }

    /** Counts the bytes until end-of-stream and checks each against the {@link Payload} stream. */
    Future<Long> compare(SocketChannel channel) {
        return submit(() -> read(channel, true));
    }

    /**
     * Reads exactly {@code length} bytes, never more, from a connection that stays open (the file
     * benchmark's), checking each against the {@link Payload} stream from its first byte if asked.
     * End-of-stream before the last byte fails.
     */
    Future<Long> receive(SocketChannel channel, long length, boolean check) {
        return submit(() -> {
            long total = 0;
            while (total < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - total));
                int n = channel.read(buffer);
                if (n < 0) {
                    throw new IllegalStateException("end-of-stream after " + total + " of " + length + " bytes");
                }
                if (check) {
                    Payload.check(total, buffer.flip());
                }
                total += n;
            }
            return total;
        });
    }

    private long read(SocketChannel channel, boolean check) throws IOException {
        long total = 0;
        IllegalStateException mismatch = null;
        for (;;) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                break;
            }
            if (check && mismatch == null) {
                try {
                    Payload.check(total, buffer.flip());
                } catch (IllegalStateException e) {
                    // Keep reading to the end: a reader that stops would stall the transfer.
                    mismatch = e;
                }
            }
            total += n;
        }
        if (mismatch != null) {
            throw mismatch;
        }
        return total;
    }
}
