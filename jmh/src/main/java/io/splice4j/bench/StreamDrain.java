package io.splice4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The far-end readers of the streaming benchmarks: one platform thread with one selector reads every
 * connection, counts bytes per connection and in total, and on request compares what arrives with
 * what each connection's sender wrote (see {@link #verify}). At each connection's end-of-stream it
 * shuts down its own output, so the relay's other direction ends too; the thread ends when every
 * connection has.
 */
final class StreamDrain implements AutoCloseable {

    /** Large enough that the reader is never the narrow part; the same for every row. */
    private static final int BUFFER_SIZE = 256 << 10;

    private final SocketChannel[] channels;
    private final Payload payload;
    private final long[] starts;
    private final long[] received;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final Selector selector;
    private final Thread thread;
    private int ended;

    /** Bytes read from all connections; written by the drain thread only. */
    private volatile long total;
    private volatile long wanted = Long.MAX_VALUE;
    private volatile Thread waiter;

    private volatile int verifyRequested;
    private volatile int verifyDone;
    private volatile long verifyBytes;
    private int verifyActive;
    private long[] verifyGoals;
    private int verifyPending;
    private int requests;

    private volatile boolean stopping;
    private volatile Throwable failure;

    StreamDrain(SocketChannel[] channels, Payload payload, long[] starts) throws IOException {
        this.channels = channels;
        this.payload = payload;
        this.starts = starts;
        this.received = new long[channels.length];
        this.selector = Selector.open();
        try {
            for (int i = 0; i < channels.length; i++) {
                channels[i].configureBlocking(false);
                channels[i].register(selector, SelectionKey.OP_READ, i);
            }
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        thread = Thread.ofPlatform().daemon().name("bench-stream-drain").start(this::run);
    }

    private void run() {
        try {
            while (!stopping && ended < channels.length) {
                int request = verifyRequested;
                if (request != verifyActive) {
                    startVerifying(request);
                }
                selector.select(100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    read(key, (Integer) key.attachment());
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private void startVerifying(int request) {
        verifyActive = request;
        long bytes = verifyBytes;
        verifyGoals = new long[channels.length];
        verifyPending = channels.length;
        for (int i = 0; i < channels.length; i++) {
            verifyGoals[i] = received[i] + bytes;
        }
    }

    private void read(SelectionKey key, int i) throws IOException {
        buffer.clear();
        int n = channels[i].read(buffer);
        if (n > 0) {
            if (verifyPending > 0 && received[i] < verifyGoals[i]) {
                payload.checkCyclic(starts[i] + received[i], buffer.flip());
                if (received[i] + n >= verifyGoals[i] && --verifyPending == 0) {
                    verifyDone = verifyActive;
                    wake();
                }
            }
            received[i] += n;
            long now = total + n;
            total = now;
            if (now >= wanted) {
                wake();
            }
        } else if (n < 0) {
            key.cancel();
            channels[i].shutdownOutput();
            ended++;
        }
    }

    private void wake() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Bytes read from all connections so far. */
    long total() {
        return total;
    }

    /** Waits until {@link #total()} reaches {@code target}; fails after {@link Peer#JOB_TIMEOUT} without it. */
    void awaitTotal(long target, StreamSender sender) {
        wanted = target;
        waitFor(() -> total >= target, sender, "bytes (" + total + " of " + target + ")");
    }

    /**
     * Compares the next {@code bytesEach} bytes (at least) of every connection with what its sender
     * wrote, and returns when all have arrived: a mismatch fails, and so does a connection that
     * stalls.
     */
    void verify(long bytesEach, StreamSender sender) {
        verifyBytes = bytesEach;
        int request = ++requests;
        verifyRequested = request;
        selector.wakeup();
        waitFor(() -> verifyDone == request, sender, "verified bytes");
    }

    private void waitFor(java.util.function.BooleanSupplier done, StreamSender sender, String what) {
        long deadline = System.nanoTime() + Peer.JOB_TIMEOUT.toNanos();
        waiter = Thread.currentThread();
        try {
            while (!done.getAsBoolean()) {
                if (failure != null) {
                    throw new IllegalStateException("the stream drain failed", failure);
                }
                if (sender.failure() != null) {
                    throw new IllegalStateException("the stream sender failed", sender.failure());
                }
                if (!thread.isAlive()) {
                    throw new IllegalStateException("the stream drain ended early: a connection reached end-of-stream");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("no " + what + " within " + Peer.JOB_TIMEOUT
                            + ": a relay stalled or lost bytes");
                }
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
            }
        } finally {
            waiter = null;
            wanted = Long.MAX_VALUE;
        }
    }

    /**
     * Waits for every connection's end-of-stream (after {@link StreamSender#finish()}) and returns the
     * bytes read from each.
     */
    long[] finish() throws Exception {
        thread.join(Peer.JOB_TIMEOUT.toMillis());
        if (thread.isAlive()) {
            throw new IllegalStateException("only " + ended + " of " + channels.length
                    + " connections reached end-of-stream within " + Peer.JOB_TIMEOUT);
        }
        if (failure != null) {
            throw new IllegalStateException("the stream drain failed", failure);
        }
        return received.clone(); // the join orders the thread's writes before this read
    }

    @Override
    public void close() throws Exception {
        stopping = true;
        selector.wakeup();
        try {
            thread.join(Peer.JOB_TIMEOUT.toMillis());
            if (thread.isAlive()) {
                throw new IllegalStateException("the stream drain did not stop");
            }
        } finally {
            selector.close();
        }
    }
}
