package io.splice4j.internal.linux;

import java.util.ArrayDeque;

/**
 * The pipes of one event loop, capped in number and in bytes (each pipe costs two fds and kernel
 * memory the user is charged for). Confined to the loop's thread.
 *
 * <p>A flow takes a pipe only when its source has bytes to move and gives it back when it is
 * empty; a pipe that still holds bytes is never pooled but closed, because whoever took it next
 * would send someone else's bytes. When the pool is exhausted the flow copies instead of waiting.
 */
final class PipePool {

    private final int maxPipes;
    private final long maxBytes;
    private final int pipeSize;
    private final ArrayDeque<Pipe> idle = new ArrayDeque<>();
    // Written on the loop thread only; volatile so that stats read elsewhere are current.
    private volatile int open;
    private volatile long openBytes;
    /** The kernel refused the last resize: new pipes keep their default size until a pipe is closed. */
    private boolean resizeRefused;
    private volatile int resizeRefusals;
    private volatile long exhaustions;

    PipePool(int maxPipes, long maxBytes, int pipeSize) {
        this.maxPipes = maxPipes;
        this.maxBytes = maxBytes;
        this.pipeSize = pipeSize;
    }

    /** Returns an empty pipe, or {@code null} if the caps are reached or the kernel refuses one. */
    Pipe acquire() {
        Pipe pipe = idle.pollFirst();
        if (pipe != null) {
            return pipe;
        }
        int expected = resizeRefused ? 4096 : pipeSize;
        if (open >= maxPipes || openBytes + expected > maxBytes) {
            exhaustions++;
            return null;
        }
        try {
            pipe = Pipe.openUnowned(resizeRefused ? 0 : pipeSize);
        } catch (NotSpliceableException e) {
            exhaustions++;
            return null;
        }
        if (!resizeRefused && pipe.capacity < pipeSize) {
            resizeRefused = true;
            resizeRefusals++;
        }
        open++;
        openBytes += pipe.capacity;
        return pipe;
    }

    /** Takes a pipe back: pooled if empty, closed if it still holds bytes. */
    void release(Pipe pipe) {
        if (pipe.buffered == 0) {
            idle.addFirst(pipe);
        } else {
            discard(pipe);
        }
    }

    /** Closes a pipe whose contents are lost (a failed pump). */
    void discard(Pipe pipe) {
        pipe.close();
        open--;
        openBytes -= pipe.capacity;
        resizeRefused = false;
    }

    int openPipes() {
        return open;
    }

    long openBytes() {
        return openBytes;
    }

    int resizeRefusals() {
        return resizeRefusals;
    }

    /** Requests that got no pipe: each costs its flow one chunk copied instead of spliced. */
    long exhaustions() {
        return exhaustions;
    }

    /** Closes every idle pipe; pipes in use are closed by their flows. */
    void closeIdle() {
        Pipe pipe;
        while ((pipe = idle.pollFirst()) != null) {
            discard(pipe);
        }
    }
}
