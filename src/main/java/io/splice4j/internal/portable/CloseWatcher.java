package io.splice4j.internal.portable;

import io.splice4j.internal.Activity;
import io.splice4j.internal.DueChecks;
import io.splice4j.internal.Metrics;
import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends a portable transfer that is blocked in a read when its target is closed by another thread,
 * or when its idle timeout passes. The JDK wakes a blocked read only when that same channel is
 * closed, so one shared daemon thread runs the watched transfers' {@link DueChecks} (the engine
 * loops' mechanism, which the portable path can't use: it runs where no engine can) every tick
 * while any are watched, sleeps otherwise, and shuts down the source's input, which wakes the
 * read; on a timeout also the target's output, which wakes a blocked write.
 */
final class CloseWatcher {

    private static final DueChecks CHECKS = new DueChecks();
    private static volatile boolean idle;
    private static final Thread THREAD = Thread.ofPlatform().daemon().name("splice4j-close-watcher")
            .unstarted(CloseWatcher::watchForever);

    static {
        THREAD.start();
    }

    private CloseWatcher() {
    }

    /** A registration; closing it stops the watching. */
    static final class Watch implements DueChecks.Item, AutoCloseable {
        private final SocketChannel reading;
        private final Channel other;
        private final SocketChannel writing;
        private final Activity activity;
        private volatile boolean fired;
        private volatile boolean timedOut;

        private Watch(SocketChannel reading, Channel other, SocketChannel writing, Activity activity) {
            this.reading = reading;
            this.other = other;
            this.writing = writing;
            this.activity = activity;
        }

        /** Whether the source's input was shut down because the target was closed or the transfer idled. */
        boolean fired() {
            return fired;
        }

        /** Whether the idle timeout passed and ended the transfer. */
        boolean timedOut() {
            return timedOut;
        }

        @Override
        public long check(long now) {
            if (fired) {
                // Due again in a tick, not later: the queue drops it then, once closed.
                return DueChecks.TICK_NANOS;
            }
            if (!other.isOpen() && reading != null) {
                fired = true;
                shutDown(reading, true);
            } else if (activity.expired(now)) {
                Metrics.idleTimeout();
                timedOut = true;
                fired = true;
                if (reading != null) {
                    shutDown(reading, true);
                }
                if (writing != null) {
                    shutDown(writing, false);
                }
            }
            return DueChecks.TICK_NANOS;
        }

        private static void shutDown(SocketChannel channel, boolean input) {
            try {
                if (input) {
                    channel.shutdownInput();
                } else {
                    channel.shutdownOutput();
                }
            } catch (IOException ignored) {
                // Closed meanwhile: the JDK has woken the blocked thread itself.
            }
        }

        @Override
        public void close() {
            CHECKS.unwatch(this);
        }
    }

    /**
     * Watches a transfer: a close of {@code other} shuts down {@code reading}'s input; the idle
     * timeout shuts down {@code reading}'s input and {@code writing}'s output.
     *
     * @param reading the socket the transfer reads, or {@code null}
     * @param other the channel whose close must wake a blocked read
     * @param writing the socket the transfer writes, or {@code null}
     * @param activity the idle clock
     * @return the registration to close when the transfer ends
     */
    static Watch watch(SocketChannel reading, Channel other, SocketChannel writing, Activity activity) {
        Watch watch = new Watch(reading, other, writing, activity);
        CHECKS.watch(watch);
        // Only a watcher in its untimed park needs waking; with watches present it wakes by itself
        // every period, and waking it per transfer would cost a context switch per short transfer.
        // The watcher raises the flag before it looks at the set, so an add it doesn't see is one
        // whose adder sees the flag.
        if (idle) {
            LockSupport.unpark(THREAD);
        }
        return watch;
    }

    private static void watchForever() {
        for (;;) {
            // Raised before looking, so that a watch added meanwhile is seen or unparks (see watch).
            idle = true;
            int wait = CHECKS.millisUntilNext();
            if (wait < 0) {
                LockSupport.park();
            } else if (wait > 0) {
                idle = false;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(wait));
            }
            idle = false;
            CHECKS.runDue();
        }
    }
}
