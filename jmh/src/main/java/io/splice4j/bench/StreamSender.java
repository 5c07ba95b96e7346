package io.splice4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The far-end writers of the streaming benchmarks: one platform thread with one selector feeds
 * every connection, as fast as each takes bytes, with the payload repeated end to end from the
 * connection's own starting offset. Runs until {@link #finish()}, which ends every stream with
 * {@code shutdownOutput}.
 */
final class StreamSender implements AutoCloseable {

    /** The most bytes offered per write: every connection gets its turn. */
    private static final int WRITE_CHUNK = 64 << 10;

    private final SocketChannel[] channels;
    private final Payload payload;
    private final long[] starts;
    private final long[] sent;
    private final ByteBuffer[] views;
    private final Selector selector;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;

    StreamSender(SocketChannel[] channels, Payload payload, long[] starts) throws IOException {
        this.channels = channels;
        this.payload = payload;
        this.starts = starts;
        this.sent = new long[channels.length];
        this.views = new ByteBuffer[channels.length];
        this.selector = Selector.open();
        try {
            for (int i = 0; i < channels.length; i++) {
                views[i] = payload.view();
                channels[i].configureBlocking(false);
                channels[i].register(selector, SelectionKey.OP_WRITE, i);
            }
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        thread = Thread.ofPlatform().daemon().name("bench-stream-sender").start(this::run);
    }

    private void run() {
        try {
            while (!stopping) {
                selector.select(100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext() && !stopping) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    write((Integer) key.attachment());
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void write(int i) throws IOException {
        ByteBuffer view = views[i];
        int from = (int) ((starts[i] + sent[i]) % payload.size());
        view.limit(from + Math.min(WRITE_CHUNK, payload.size() - from)).position(from);
        sent[i] += channels[i].write(view);
    }

    /** A failure of the writing thread, if any. */
    Throwable failure() {
        return failure;
    }

    /**
     * Stops writing and ends every stream; returns the bytes written to each connection.
     *
     * @throws IllegalStateException if the thread failed or doesn't stop
     */
    long[] finish() throws Exception {
        stop();
        if (failure != null) {
            throw new IllegalStateException("the stream sender failed", failure);
        }
        for (SocketChannel channel : channels) {
            channel.shutdownOutput();
        }
        return sent.clone(); // the join in stop() orders the thread's writes before this read
    }

    private void stop() throws InterruptedException {
        stopping = true;
        selector.wakeup();
        thread.join(Peer.JOB_TIMEOUT.toMillis());
        if (thread.isAlive()) {
            throw new IllegalStateException("the stream sender did not stop");
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            selector.close();
        }
    }
}
