package io.splice4j.internal;

import java.lang.System.Logger.Level;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The one mechanism that notices what no event reports: a channel closed by another thread, an
 * idle deadline passing (docs/design.md, "Waiting and noticing a close"). Each watched item is
 * checked when it is due, at a {@value #TICK_MILLIS} ms tick's granularity, and each check says when
 * the next is due, so 9 000 idle engine relays cost a check a second each, not one per tick.
 *
 * <p>An engine loop runs one for its relays and parked waiters; the portable path, which has no
 * engine, runs one on its watcher thread. {@link #watch} and {@link #unwatch} may be called from
 * any thread; everything else only from the one thread that runs the checks.
 */
public final class DueChecks {

    /** The tick: the finest granularity of a check, and the latency of noticing a close while waiting. */
    public static final int TICK_MILLIS = 50;
    /** {@link #TICK_MILLIS} in nanoseconds. */
    public static final long TICK_NANOS = TICK_MILLIS * 1_000_000L;

    /** The longest a check may put off the next: sums with {@code nanoTime} must not overflow. */
    private static final long MAX_DELAY_NANOS = 24 * 3600 * 1_000_000_000L;
    private static final System.Logger LOG = System.getLogger("io.splice4j");

    /** Something watched. */
    public interface Item {
        /**
         * Checks it; called on the checking thread when due, first one tick after {@link #watch}.
         *
         * @param nowNanos {@link System#nanoTime()} now
         * @return nanoseconds until the next check (at least a tick, at most a day)
         */
        long check(long nowNanos);
    }

    private record Due(long nanos, Item item) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            return Long.compare(nanos, other.nanos);
        }
    }

    private final Set<Item> watched = ConcurrentHashMap.newKeySet();
    private final Queue<Item> newlyWatched = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Due> queue = new PriorityQueue<>();

    /** Watches {@code item}; any thread. The checking thread must be woken if it may wait longer than a tick. */
    public void watch(Item item) {
        watched.add(item);
        newlyWatched.add(item);
    }

    /** Stops watching {@code item}; any thread. A check already running may still finish. */
    public void unwatch(Item item) {
        watched.remove(item);
    }

    /** Calls {@code action} on every watched item, for a shutdown. */
    public void forEachWatched(Consumer<Item> action) {
        watched.forEach(action);
    }

    /**
     * Returns how long the checking thread may wait before the next check is due.
     *
     * @return milliseconds, rounded up to a tick; {@code 0} if one is due; {@code -1} if none is scheduled
     */
    public int millisUntilNext() {
        scheduleNew();
        Due next = queue.peek();
        if (next == null) {
            return -1;
        }
        long wait = next.nanos - System.nanoTime();
        return wait <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (wait + TICK_NANOS - 1) / TICK_NANOS * TICK_MILLIS);
    }

    /** Runs the checks due now, at a tick's granularity; items no longer watched drop out here. */
    public void runDue() {
        scheduleNew();
        long now = System.nanoTime();
        long horizon = now + TICK_NANOS / 2;
        Due due;
        while ((due = queue.peek()) != null && due.nanos - horizon <= 0) {
            queue.poll();
            if (!watched.contains(due.item)) {
                continue;
            }
            long next;
            try {
                next = due.item.check(now);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "splice4j periodic check failed", e);
                next = TICK_NANOS;
            }
            if (watched.contains(due.item)) {
                queue.add(new Due(now + Math.clamp(next, TICK_NANOS, MAX_DELAY_NANOS), due.item));
            }
        }
    }

    private void scheduleNew() {
        Item item;
        long due = System.nanoTime() + TICK_NANOS;
        while ((item = newlyWatched.poll()) != null) {
            queue.add(new Due(due, item));
        }
    }
}
