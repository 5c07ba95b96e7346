package io.splice4j.bench;

import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The far-end writers of the streaming benchmarks: one platform thread with one selector feeds
 * every connection, as fast as each takes bytes, with the {@link Payload} stream from the
 * connection's own starting offset. Runs until {@link #finish()}, which ends every stream with
 * {@code shutdownOutput}.
 */
final class StreamSender extends StreamEnd {

    /** The most bytes offered per write: every connection gets its turn. */
    private static final int WRITE_CHUNK = 64 << 10;

    private final long[] sent;
    private final ByteBuffer[] views;

    StreamSender(SocketChannel[] channels, long[] starts) throws IOException {
        super("bench-stream-sender", channels, starts, SelectionKey.OP_WRITE);
        this.sent = new long[channels.length];
        this.views = new ByteBuffer[channels.length];
        // A period and a chunk: a chunk from any offset in the period lies in it end to end.
        ByteBuffer bytes = Payload.direct(Payload.period() + WRITE_CHUNK);
        for (int i = 0; i < channels.length; i++) {
            views[i] = bytes.duplicate();
        }
        start();
    }

    @Override
    void ready(SelectionKey key, int i) throws IOException {
        ByteBuffer view = views[i];
        int from = (int) ((starts[i] + sent[i]) % Payload.period());
        view.limit(from + WRITE_CHUNK).position(from);
        sent[i] += channels[i].write(view);
    }

    /**
     * Stops writing and ends every stream; returns the bytes written to each connection.
     *
     * @throws IllegalStateException if the thread failed or doesn't stop
     */
    long[] finish() throws Exception {
        stop();
        if (failure() != null) {
            throw new IllegalStateException("the stream sender failed", failure());
        }
        for (SocketChannel channel : channels) {
            channel.shutdownOutput();
        }
        return sent.clone(); // the join in stop() orders the thread's writes before this read
    }
}
