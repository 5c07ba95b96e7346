package io.splice4j.bench;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * One far end of the streaming benchmarks: a platform thread with a selector that serves every
 * connection, each made non-blocking and registered with its index, until {@link #close()} or
 * until {@link #serving()} says there is nothing left to serve.
 */
abstract class StreamEnd implements AutoCloseable {

    /** The connections, by index. */
    final SocketChannel[] channels;

    /** Where in the {@link io.splice4j.support.Payload} stream each connection starts. */
    final long[] starts;

    private final Selector selector;
    private final String name;
    private Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;

    /** Registers every channel for {@code ops}; the subclass starts the thread when it is ready. */
    StreamEnd(String name, SocketChannel[] channels, long[] starts, int ops) throws IOException {
        this.name = name;
        this.channels = channels;
        this.starts = starts;
        selector = Selector.open();
        try {
            for (int i = 0; i < channels.length; i++) {
                channels[i].configureBlocking(false);
                channels[i].register(selector, ops, i);
            }
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /** Starts the thread; called once, at the end of the subclass's constructor. */
    final void start() {
        thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    private void run() {
        try {
            while (!stopping && serving()) {
                beforeSelect();
                selector.select(100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext() && !stopping) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    ready(key, (Integer) key.attachment());
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            ended();
        }
    }

    /** Whether any connection is left to serve; read on the thread before each select. */
    boolean serving() {
        return true;
    }

    /** On the thread, before each select. */
    void beforeSelect() {
    }

    /** Connection {@code i} is ready for what it was registered for. */
    abstract void ready(SelectionKey key, int i) throws IOException;

    /** On the thread, last, however it ends. */
    void ended() {
    }

    /** Makes a blocked select return, so that the thread sees a new request. */
    final void wakeup() {
        selector.wakeup();
    }

    /** A failure of the thread, if any. */
    final Throwable failure() {
        return failure;
    }

    /** Whether the thread still runs. */
    final boolean running() {
        return thread.isAlive();
    }

    /**
     * Waits for the thread to end by itself, at most {@link Peer#JOB_TIMEOUT}; the join orders all its
     * writes before what the caller reads next.
     *
     * @return whether it ended
     */
    final boolean awaitEnd() throws InterruptedException {
        thread.join(Peer.JOB_TIMEOUT.toMillis());
        return !thread.isAlive();
    }

    /** Stops the thread and waits for it. */
    final void stop() throws InterruptedException {
        stopping = true;
        selector.wakeup();
        if (!awaitEnd()) {
            throw new IllegalStateException(name + " did not stop");
        }
    }

    /** Stops the thread, then closes the selector; no thread outlives it. */
    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            selector.close();
        }
    }
}
