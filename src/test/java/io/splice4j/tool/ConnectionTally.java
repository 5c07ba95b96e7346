package io.splice4j.tool;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the upstream end of a forwarder test counts, so tests can see what the forwarder did
 * upstream: connections open now, the most open at once, and all accepted; with waits for a count.
 */
final class ConnectionTally {

    private int open;
    private int peak;
    private int accepted;

    /** Counts a connection accepted, and open from now on. */
    synchronized void opened() {
        accepted++;
        open++;
        peak = Math.max(peak, open);
        notifyAll();
    }

    /** Counts a connection closed. */
    synchronized void closed() {
        open--;
        notifyAll();
    }

    synchronized int open() {
        return open;
    }

    synchronized int peak() {
        return peak;
    }

    synchronized int accepted() {
        return accepted;
    }

    /**
     * Waits until at most {@code count} connections are open, or {@code seconds} pass.
     *
     * @return whether at most {@code count} are open
     */
    boolean awaitOpenAtMost(int count, double seconds) throws InterruptedException {
        return await(() -> open <= count, seconds);
    }

    /**
     * Waits until {@code count} connections have been accepted in all, or {@code seconds} pass.
     *
     * @return whether that many have
     */
    boolean awaitAccepted(int count, double seconds) throws InterruptedException {
        return await(() -> accepted >= count, seconds);
    }

    private synchronized boolean await(BooleanSupplier condition, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0) {
            TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
        }
        return condition.getAsBoolean();
    }
}
