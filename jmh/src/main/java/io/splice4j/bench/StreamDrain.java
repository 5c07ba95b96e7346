package io.splice4j.bench;

import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The far-end readers of the streaming benchmarks: one platform thread with one selector reads every
 * connection, counts bytes per connection and in total, and on request compares what arrives with
 * what each connection's sender wrote (see {@link #verify}). At each connection's end-of-stream it
 * shuts down its own output, so the relay's other direction ends too; the thread ends when every
 * connection has.
 */
final class StreamDrain extends StreamEnd {

    /** Large enough that the reader is never the narrow part; the same for every row. */
    private static final int BUFFER_SIZE = 256 << 10;

    private final long[] received;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
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

    StreamDrain(SocketChannel[] channels, long[] starts) throws IOException {
        super("bench-stream-drain", channels, starts, SelectionKey.OP_READ);
        this.received = new long[channels.length];
        start();
    }

    @Override
    boolean serving() {
        return ended < channels.length;
    }

    @Override
    void beforeSelect() {
        int request = verifyRequested;
        if (request != verifyActive) {
            startVerifying(request);
        }
    }

    @Override
    void ended() {
        wake();
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

    @Override
    void ready(SelectionKey key, int i) throws IOException {
        buffer.clear();
        int n = channels[i].read(buffer);
        if (n > 0) {
            if (verifyPending > 0 && received[i] < verifyGoals[i]) {
                Payload.check(starts[i] + received[i], buffer.flip());
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
        wakeup();
        waitFor(() -> verifyDone == request, sender, "verified bytes");
    }

    private void waitFor(java.util.function.BooleanSupplier done, StreamSender sender, String what) {
        long deadline = System.nanoTime() + Peer.JOB_TIMEOUT.toNanos();
        waiter = Thread.currentThread();
        try {
            while (!done.getAsBoolean()) {
                if (failure() != null) {
                    throw new IllegalStateException("the stream drain failed", failure());
                }
                if (sender.failure() != null) {
                    throw new IllegalStateException("the stream sender failed", sender.failure());
                }
                if (!running()) {
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
        if (!awaitEnd()) {
            throw new IllegalStateException("only " + ended + " of " + channels.length
                    + " connections reached end-of-stream within " + Peer.JOB_TIMEOUT);
        }
        if (failure() != null) {
            throw new IllegalStateException("the stream drain failed", failure());
        }
        return received.clone(); // the join orders the thread's writes before this read
    }
}
