package io.splice4j.tool;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The most connections served at once. The acceptor waits for a free place before each accept,
 * so clients past the limit wait in the listen backlog instead of being refused.
 *
 * <p>A stretch of time during which the limit keeps being reached is one episode, logged when it
 * starts and when it ends. It ends only once the limit has not been reached for {@link #QUIET_NANOS}:
 * a server running at its limit, where each connection that ends lets the next waiting client in,
 * is one episode, not one per client.
 */
final class ConnectionLimit {

    /** How long the limit must go unreached before an episode ends. */
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int max;
    private final LongSupplier clock;
    private int open;
    private int peak;
    private boolean accepting = true;
    private boolean cut;
    private boolean episode;
    private long episodeStart;
    private long lastAtLimit;
    private long episodes;
    private long nanosWaited;

    ConnectionLimit(int max) {
        this(max, System::nanoTime);
    }

    /** A limit that reads the time from {@code clock} (nanoseconds, as {@link System#nanoTime()}). */
    ConnectionLimit(int max, LongSupplier clock) {
        this.max = max;
        this.clock = clock;
    }

    int max() {
        return max;
    }

    /**
     * Waits until a connection may be accepted. Only the acceptor calls it, and {@link #opened()}
     * after each accept, so the place found is still free then. After {@link #stopAccepting()} it
     * waits no more: it says whether a place is free now.
     *
     * @return whether a place is free; {@code false} only after {@link #stopAccepting()}
     */
    synchronized boolean awaitPlace() throws InterruptedException {
        if (open >= max && accepting) {
            long now = clock.getAsLong();
            lastAtLimit = now;
            if (!episode) {
                episode = true;
                episodes++;
                episodeStart = now;
                ForwarderLog.warning("{0} connections open, the --max-connections limit: not accepting until some "
                        + "end; new clients wait in the listen backlog", max);
            }
            while (open >= max && accepting) {
                wait();
            }
            long end = clock.getAsLong();
            nanosWaited += end - now;
            lastAtLimit = end;
        }
        return open < max;
    }

    /**
     * Ends the running episode if the limit has not been reached for {@link #QUIET_NANOS}; the
     * acceptor asks before it waits for the next client.
     *
     * @return milliseconds until the episode could end (ask again then), or {@code -1} if none runs
     */
    long endEpisodeIfQuiet() {
        long episodeNanos;
        int now;
        synchronized (this) {
            if (!episode) {
                return -1;
            }
            long quiet = clock.getAsLong() - lastAtLimit;
            if (quiet < QUIET_NANOS) {
                return Math.max(1, TimeUnit.NANOSECONDS.toMillis(QUIET_NANOS - quiet + 999_999));
            }
            episode = false;
            episodeNanos = lastAtLimit - episodeStart;
            now = open;
        }
        ForwarderLog.info("below the --max-connections limit again: it was reached for {0} s; {1} of {2} "
                + "connections open", seconds(episodeNanos), now, max);
        return -1;
    }

    /** Counts a connection accepted. */
    synchronized void opened() {
        open++;
        peak = Math.max(peak, open);
        if (open >= max) {
            lastAtLimit = clock.getAsLong();
        }
    }

    /** Gives a place back when a connection has ended. */
    synchronized void release() {
        open--;
        notifyAll();
    }

    /** Waits until a connection ends or {@code millis} pass: a pause after a failed accept. */
    synchronized void awaitRelease(long millis) throws InterruptedException {
        if (accepting) {
            wait(millis);
        }
    }

    /**
     * Waits until every connection has ended, {@code nanos} have passed, or {@link #cutWaits()}.
     *
     * @return whether all have ended
     */
    synchronized boolean awaitNoneOpen(long nanos) throws InterruptedException {
        long deadline = clock.getAsLong() + nanos;
        for (long left = nanos; open > 0 && left > 0 && !cut; left = deadline - clock.getAsLong()) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return open == 0;
    }

    /** Ends the current and every later {@link #awaitNoneOpen} wait at once (a drain cut short). */
    synchronized void cutWaits() {
        cut = true;
        notifyAll();
    }

    /** Stops waiting for places: {@link #awaitPlace()} returns at once from now on. */
    synchronized void stopAccepting() {
        accepting = false;
        notifyAll();
    }

    /** @return connections accepted and not yet ended */
    synchronized int open() {
        return open;
    }

    /** @return how often the limit was reached and clients had to wait */
    synchronized long episodes() {
        return episodes;
    }

    /** For the summary. */
    synchronized String summary() {
        return "limit " + max + " connections: reached " + episodes + " times, clients waited " + seconds(
                nanosWaited) + " s in all; at most " + peak + " open at once";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }
}
