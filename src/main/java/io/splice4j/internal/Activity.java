package io.splice4j.internal;

import java.time.Duration;

/**
 * When bytes last moved, shared by the directions of one relay, against an optional idle timeout.
 * Checked by the periodic scan that also looks for closed channels (docs/design.md, "Waiting and
 * noticing a close"): no timer or thread per transfer.
 */
public final class Activity {

    private static final Activity NONE = new Activity(0);

    private final long timeoutNanos;
    private volatile long lastNanos = System.nanoTime();

    private Activity(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Returns an activity clock for a timeout.
     *
     * @param idleTimeout the timeout, or {@code null} for none
     * @return a clock that expires after {@code idleTimeout} without bytes moved, or one that never does
     */
    public static Activity of(Duration idleTimeout) {
        return idleTimeout == null ? NONE : new Activity(idleTimeout.toNanos());
    }

    /** Bytes moved now. */
    public void touch() {
        if (this != NONE) {
            lastNanos = System.nanoTime();
        }
    }

    /**
     * Returns whether the idle timeout has passed.
     *
     * @param nowNanos {@link System#nanoTime()} now
     * @return {@code true} if nothing moved for longer than the timeout
     */
    public boolean expired(long nowNanos) {
        return this != NONE && nowNanos - lastNanos > timeoutNanos;
    }

    /**
     * Returns how long until the timeout passes if nothing moves meanwhile.
     *
     * @param nowNanos {@link System#nanoTime()} now
     * @return nanoseconds, {@link Long#MAX_VALUE} without a timeout
     */
    public long nanosUntilExpiry(long nowNanos) {
        return this == NONE ? Long.MAX_VALUE : Math.max(0, lastNanos + timeoutNanos - nowNanos);
    }

    /**
     * Returns the exception a transfer ends with when this clock expires.
     *
     * @param bytesDelivered bytes the transfer delivered
     * @return the exception to throw
     */
    public io.splice4j.IdleTimeoutException timeout(long bytesDelivered) {
        return new io.splice4j.IdleTimeoutException(Duration.ofNanos(timeoutNanos), bytesDelivered);
    }
}
