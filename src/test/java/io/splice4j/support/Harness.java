package io.splice4j.support;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The topology of a one-direction transfer test: a feeder writes into the far end of
 * {@link #source()}, the code under test moves bytes from the near end of the source to the near
 * end of {@link #target()}, and a drain reads the target's far end.
 */
public final class Harness implements AutoCloseable {

    private final Loopback loopback = new Loopback();
    private final ExecutorService threads = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().factory());
    private final Loopback.Pair source;
    private final Loopback.Pair target;

    /**
     * Connects both pairs over TCP.
     *
     * @throws IOException if connecting fails
     */
    public Harness() throws IOException {
        this(SocketKind.TCP, SocketKind.TCP);
    }

    /**
     * Connects both pairs, each of its own kind.
     *
     * @param sourceKind the source connection's kind
     * @param targetKind the target connection's kind
     * @throws IOException if connecting fails
     */
    public Harness(SocketKind sourceKind, SocketKind targetKind) throws IOException {
        source = loopback.pair(sourceKind);
        target = loopback.pair(targetKind);
    }

    /**
     * Returns the source connection; its near end is what the code under test reads.
     *
     * @return the source pair
     */
    public Loopback.Pair source() {
        return source;
    }

    /**
     * Returns the target connection; its near end is what the code under test writes.
     *
     * @return the target pair
     */
    public Loopback.Pair target() {
        return target;
    }

    /**
     * Starts writing the payload's first {@code size} bytes into the source, then its end-of-stream.
     *
     * @param size bytes to send
     * @return what was sent, when done
     */
    public Future<Digest> feed(long size) {
        return feedFrom(source.far(), size);
    }

    /**
     * Starts reading the target's far end to end-of-stream.
     *
     * @return what arrived, when the stream ends
     */
    public Future<Digest> drain() {
        return drainFrom(target.far());
    }

    /**
     * Starts writing the payload's first {@code size} bytes back from the target's far end, then its
     * end-of-stream: the other direction, for relays.
     *
     * @param size bytes to send
     * @return what was sent, when done
     */
    public Future<Digest> feedBack(long size) {
        return feedFrom(target.far(), size);
    }

    /**
     * Starts reading the source's far end to end-of-stream: the other direction, for relays.
     *
     * @return what arrived, when the stream ends
     */
    public Future<Digest> drainBack() {
        return drainFrom(source.far());
    }

    private Future<Digest> feedFrom(SocketChannel far, long size) {
        return threads.submit(() -> {
            Digest sent = Payload.write(far, size);
            far.shutdownOutput();
            return sent;
        });
    }

    private Future<Digest> drainFrom(SocketChannel far) {
        return threads.submit(() -> Payload.readToEnd(far));
    }

    /**
     * Runs a task on a platform thread of this harness.
     *
     * @param <T> the result type
     * @param task the task
     * @return its future
     */
    public <T> Future<T> run(java.util.concurrent.Callable<T> task) {
        return threads.submit(task);
    }

    /**
     * Ends the target's stream so the drain finishes: the code under test closes nothing.
     *
     * @throws IOException if shutting down fails
     */
    public void endTarget() throws IOException {
        SocketChannel near = target.near();
        near.shutdownOutput();
    }

    /** Closes every channel and stops the threads. */
    @Override
    public void close() throws IOException {
        loopback.close();
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IOException("harness threads did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
