package io.splice4j.internal.portable;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends a portable transfer that is blocked reading its source when its target is closed by
 * another thread. The JDK wakes a blocked read only when that same channel is closed, so one shared
 * daemon thread looks at the watched targets every {@value #PERIOD_MILLIS} ms while any are watched
 * (and sleeps otherwise) and shuts down the source's input, which wakes the read.
 */
final class CloseWatcher {

    static final int PERIOD_MILLIS = 20;

    private static final Set<Watch> WATCHES = ConcurrentHashMap.newKeySet();
    private static volatile boolean idle;
    private static final Thread THREAD = Thread.ofPlatform().daemon().name("splice4j-close-watcher")
            .unstarted(CloseWatcher::watchForever);

    static {
        THREAD.start();
    }

    private CloseWatcher() {
    }

    /** A registration; closing it stops the watching. */
    static final class Watch implements AutoCloseable {
        private final SocketChannel source;
        private final Channel target;
        private volatile boolean fired;

        private Watch(SocketChannel source, Channel target) {
            this.source = source;
            this.target = target;
        }

        /** Whether the source's input was shut down because the target was closed. */
        boolean fired() {
            return fired;
        }

        private void check() {
            if (!target.isOpen() && !fired) {
                fired = true;
                try {
                    source.shutdownInput();
                } catch (IOException ignored) {
                    // Closed meanwhile: the JDK has woken the reader itself.
                }
            }
        }

        @Override
        public void close() {
            WATCHES.remove(this);
        }
    }

    /**
     * Watches {@code target} (a socket or a file) for the length of a transfer from {@code source}.
     *
     * @return the registration to close when the transfer ends
     */
    static Watch watch(SocketChannel source, Channel target) {
        Watch watch = new Watch(source, target);
        WATCHES.add(watch);
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
            idle = true;
            if (WATCHES.isEmpty()) {
                LockSupport.park();
                idle = false;
            } else {
                idle = false;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
            }
            for (Watch watch : WATCHES) {
                watch.check();
            }
        }
    }
}
