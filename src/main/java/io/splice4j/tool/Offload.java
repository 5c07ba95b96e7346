package io.splice4j.tool;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Items handed to a writer thread of their own through a bounded queue, so that a destination
 * that blocks (a full pipe nobody reads, a stalled disk) never stops the thread that offers them: an
 * event loop, the acceptor, a connect. Past the queue's capacity items are dropped and counted,
 * never buffered without bound.
 *
 * @param <T> what is written
 */
final class Offload<T> {

    /** Writes the items, one at a time, on the writer thread. */
    interface Writer<T> {

        /** Writes one item; what it throws loses that item only. */
        void write(T item);

        /** The queue is empty for now: a writer that batches writes out what it holds. */
        default void caughtUp() {
        }
    }

    /** A place in the queue that {@link #flush} waits for the writer to reach. */
    private record Marker(CountDownLatch reached) {
    }

    private final BlockingQueue<Object> queue;
    private final Writer<T> writer;
    private final LongAdder dropped = new LongAdder();
    private volatile boolean stopped;

    /** Starts the writer thread, a daemon named {@code threadName}. */
    Offload(String threadName, int capacity, Writer<T> writer) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = writer;
        Thread.ofPlatform().daemon().name(threadName).start(this::writeUntilStopped);
    }

    /**
     * Queues {@code item} without waiting.
     *
     * @return {@code false} if the queue was full: the item is dropped and counted
     */
    boolean offer(T item) {
        if (queue.offer(item)) {
            return true;
        }
        dropped.increment();
        return false;
    }

    /** Items dropped because the writer had fallen a whole queue behind. */
    long dropped() {
        return dropped.sum();
    }

    /**
     * Waits until every item queued before this call is written, or {@code timeout} passes (a
     * destination that stays blocked).
     *
     * @return whether the writer caught up in time
     */
    boolean flush(Duration timeout) {
        CountDownLatch reached = new CountDownLatch(1);
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            return queue.offer(new Marker(reached), timeout.toNanos(), TimeUnit.NANOSECONDS)
                    && reached.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Ends the writer thread once it is between items; what is still queued is not written. A write
     * in progress is not interrupted (that would close a channel the writer may not own, standard
     * output say): a writer blocked for good ends when its destination is closed, or with the JVM.
     */
    void stop() {
        stopped = true;
        // Wakes a writer waiting for items; a full queue means it is not waiting.
        queue.offer(new Marker(new CountDownLatch(1)));
    }

    @SuppressWarnings("unchecked")
    private void writeUntilStopped() {
        while (!stopped) {
            try {
                Object next = queue.poll();
                if (next == null) {
                    writer.caughtUp();
                    next = queue.take();
                }
                if (next instanceof Marker marker) {
                    writer.caughtUp();
                    marker.reached().countDown();
                } else {
                    writer.write((T) next);
                }
            } catch (InterruptedException e) {
                // Nobody interrupts this thread.
            } catch (RuntimeException | Error e) {
                // An item that can't be written is lost; the next may fare better.
            }
        }
    }
}
