package io.splice4j.tool;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The most connections served at once. The acceptor waits for a free place before each accept,
 * so clients past the limit wait in the listen backlog instead of being refused. A stretch of time at the limit is one episode, logged when it starts and when it ends:
 * it ends only when a tenth of the places (at least one) are free again, so a full backlog
 * draining one client at a time is one episode, not one per client.
 */
final class ConnectionLimit {

    private final int max;
    private final int lowWater;
    private int open;
    private int peak;
    private boolean closed;
    private boolean atLimit;
    private long episodeStart;
    private long episodes;
    private long nanosAtLimit;

    ConnectionLimit(int max) {
        this.max = max;
        this.lowWater = max - Math.max(1, max / 10);
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
            if (open < max || closed) {
                return !closed;
            }
            atLimit = true;
            episodes++;
            episodeStart = System.nanoTime();
        }
        ForwarderLog.warning("{0} connections open, the --max-connections limit: not accepting until some end; "
                + "new clients wait in the listen backlog", max);
        synchronized (this) {
            while (open >= max && !closed) {
                wait();
            }
            return !closed;
        }
    }

    /** Counts a connection accepted. */
    synchronized void opened() {
        open++;
        peak = Math.max(peak, open);
    }

    /** Gives a place back when a connection has ended. */
    void release() {
        long episode;
        int now;
        synchronized (this) {
            open--;
            notifyAll();
            if (!atLimit || open > lowWater) {
                return;
            }
            atLimit = false;
            episode = System.nanoTime() - episodeStart;
            nanosAtLimit += episode;
            now = open;
        }
        ForwarderLog.info("{0} of {1} connections open: accepting freely again after {2} s at the limit", now, max,
                String.format(Locale.ROOT, "%.1f", episode / 1e9));
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

    /** For the summary. */
    synchronized String summary() {
        long nanos = nanosAtLimit + (atLimit ? System.nanoTime() - episodeStart : 0);
        return "limit " + max + " connections: reached " + episodes + " times, " + String.format(Locale.ROOT, "%.1f",
                nanos / 1e9) + " s at the limit; at most " + peak + " open at once";
    }
}
