package io.splice4j.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The one {@link Selector} on which every Unix-domain header read in the JVM waits, run by one
 * daemon thread started on first use; its two fds (an epoll fd and an eventfd) are all the waits
 * ever cost. The thread reports readiness to the {@link UnixTimedRead} waiting for it, runs their
 * {@link DueChecks} (a registered channel's close wakes no selector, so closes are looked for every
 * tick), and deregisters the channels whose reads are done.
 *
 * <p>Readiness is one-shot: a key reported ready gets no interest until its reader asks again, so a
 * reader that has not read yet doesn't keep the selector spinning.
 */
final class SharedReadSelector {

    private static final System.Logger LOG = System.getLogger("io.splice4j");
    private static volatile SharedReadSelector shared;

    private final Selector selector;
    private final DueChecks checks = new DueChecks();
    /** Reads that are done, whose keys this thread cancels and flushes. */
    private final Queue<UnixTimedRead> released = new ConcurrentLinkedQueue<>();

    private SharedReadSelector(Selector selector) {
        this.selector = selector;
    }

    /**
     * Returns the selector, opening it and starting its thread on first use. A failed start (out of
     * fds, say) is not remembered: the next call tries again.
     *
     * @return the shared selector
     * @throws IOException if the selector can't be opened
     */
    static SharedReadSelector get() throws IOException {
        SharedReadSelector current = shared;
        if (current != null) {
            return current;
        }
        synchronized (SharedReadSelector.class) {
            if (shared == null) {
                Selector selector = Selector.open();
                try {
                    SharedReadSelector started = new SharedReadSelector(selector);
                    Thread.ofPlatform().daemon().name("splice4j-header-selector").start(started::selectForever);
                    shared = started;
                } catch (RuntimeException | Error e) {
                    selector.close();
                    throw e;
                }
            }
            return shared;
        }
    }

    /**
     * Registers {@code read}'s non-blocking channel for reading, watched for a close from now on.
     *
     * @return its key, with the read attached
     * @throws ClosedChannelException if the channel is closed
     */
    SelectionKey register(SocketChannel channel, UnixTimedRead read) throws ClosedChannelException {
        // The JDK lets other threads register during a selection; the thread is woken to use the key.
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ, read);
        checks.watch(read);
        selector.wakeup();
        return key;
    }

    /**
     * Asks again for a key's next readiness.
     *
     * @throws CancelledKeyException if its channel was closed
     */
    void rearm(SelectionKey key) {
        key.interestOps(SelectionKey.OP_READ);
        selector.wakeup();
    }

    /**
     * Has the selector's thread cancel {@code read}'s key; it calls {@link UnixTimedRead#deregistered}
     * once the key is flushed.
     */
    void release(UnixTimedRead read) {
        checks.unwatch(read);
        released.add(read);
        selector.wakeup();
    }

    private void selectForever() {
        List<UnixTimedRead> flushing = new ArrayList<>();
        for (;;) {
            try {
                UnixTimedRead done;
                while ((done = released.poll()) != null) {
                    done.key().cancel();
                    flushing.add(done);
                }
                // Every selection first deregisters the keys cancelled before it began, which also
                // performs the real close of a channel closed meanwhile: so one runs at once for them.
                int wait = flushing.isEmpty() ? checks.millisUntilNext() : 0;
                if (wait == 0) {
                    selector.selectNow(SharedReadSelector::ready);
                } else if (wait < 0) {
                    selector.select(SharedReadSelector::ready);
                } else {
                    selector.select(SharedReadSelector::ready, wait);
                }
                flushing.forEach(UnixTimedRead::deregistered);
                flushing.clear();
                checks.runDue();
            } catch (Throwable t) {
                // Every Unix-domain header read depends on this thread: it must outlive a failure.
                // What was being flushed is signalled after the next selection.
                LOG.log(Level.ERROR, "splice4j header read selector failed", t);
            }
        }
    }

    private static void ready(SelectionKey key) {
        try {
            key.interestOps(0);
        } catch (CancelledKeyException e) {
            // Closed or released meanwhile: the reader looks at its channel when woken.
        }
        ((UnixTimedRead) key.attachment()).readable();
    }
}
