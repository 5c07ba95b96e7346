package io.splice4j.tool;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The most connections served at once. The acceptor waits for a free place before each accept,
 * so clients past the limit wait in the listen backlog instead of being refused. A stretch of time
 * during which clients wait is one episode, logged when it starts and when it ends: it ends when
 * the acceptor finds the backlog empty, so a full backlog draining one client at a time is one
 * episode, not one per client.
 */
final class ConnectionLimit {

    private final int max;
    private int open;
    private int peak;
    private boolean closed;
    private boolean pausing;
    private long episodeStart;
    private long episodes;
    private long nanosPaused;

    ConnectionLimit(int max) {
        this.max = max;
    }

    int max() {
        return max;
    }

    /**
     * Waits until a connection may be accepted. Only the acceptor calls it, and {@link #opened()}
     * after each accept, so the place found is still free then.
     *
     * @return {@code false} if the limit was closed meanwhile: stop accepting
     */
    boolean awaitPlace() throws InterruptedException {
        synchronized (this) {
            if (open < max || closed || pausing) {
                return awaitFree();
            }
            pausing = true;
            episodes++;
            episodeStart = System.nanoTime();
        }
        ForwarderLog.warning("{0} connections open, the --max-connections limit: not accepting until some end; "
                + "new clients wait in the listen backlog", max);
        synchronized (this) {
            return awaitFree();
        }
    }

    private boolean awaitFree() throws InterruptedException {
        while (open >= max && !closed) {
            wait();
        }
        return !closed;
    }

    /**
     * Returns whether an episode at the limit goes on: the acceptor then checks whether anyone
     * still waits, without blocking, and reports {@link #drained()} if nobody does.
     */
    synchronized boolean pausing() {
        return pausing;
    }

    /** Ends the episode: every client that waited has been accepted. */
    void drained() {
        long nanos;
        int now;
        synchronized (this) {
            if (!pausing) {
                return;
            }
            pausing = false;
            nanos = System.nanoTime() - episodeStart;
            nanosPaused += nanos;
            now = open;
        }
        ForwarderLog.info("every waiting client accepted after {0} s at the limit; {1} of {2} connections open",
                String.format(Locale.ROOT, "%.1f", nanos / 1e9), now, max);
    }

    /** Counts a connection accepted. */
    synchronized void opened() {
        open++;
        peak = Math.max(peak, open);
    }

    /** Gives a place back when a connection has ended. */
    synchronized void release() {
        open--;
        notifyAll();
    }

    /** Waits until a connection ends or {@code millis} pass: a pause after a failed accept. */
    synchronized void awaitRelease(long millis) throws InterruptedException {
        if (!closed) {
            wait(millis);
        }
    }

    /**
     * Waits until every connection has ended or {@code nanos} have passed.
     *
     * @return whether all have ended
     */
    synchronized boolean awaitNoneOpen(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; open > 0 && left > 0; left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return open == 0;
    }

    /** Stops handing out places: a waiting {@link #awaitPlace()} returns {@code false}. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** @return how often the limit was reached and clients had to wait */
    synchronized long episodes() {
        return episodes;
    }

    /** For the summary. */
    synchronized String summary() {
        long nanos = nanosPaused + (pausing ? System.nanoTime() - episodeStart : 0);
        return "limit " + max + " connections: reached " + episodes + " times, clients waited " + String.format(
                Locale.ROOT, "%.1f", nanos / 1e9) + " s in all; at most " + peak + " open at once";
    }
}
