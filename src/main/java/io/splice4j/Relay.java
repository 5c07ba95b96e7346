package io.splice4j;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two channels joined both ways: bytes from {@code a} go to {@code b} and from {@code b} to
 * {@code a} at the same time, each direction on the zero-copy path where it can. Made by
 * {@link Splice#relay(SocketChannel, SocketChannel, SpliceOptions)}.
 *
 * <p>When one direction reaches end-of-stream, the relay shuts down output on the other channel
 * (the peer reads end-of-stream) and the other direction keeps running until it ends too. When both
 * have ended, or either fails, or {@link #close()} is called, the relay closes both channels: the
 * channels belong to the relay from the start (use {@link Splice#splice} directly to keep them).
 * {@link #completion()} then completes with what happened.
 */
public final class Relay implements AutoCloseable {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final SocketChannel a;
    private final SocketChannel b;
    private final Direction aToB;
    private final Direction bToA;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private final CompletableFuture<RelayResult> completion = new CompletableFuture<>();
    private volatile boolean closedByCaller;

    private Relay(SocketChannel a, SocketChannel b, SpliceOptions options) {
        this.a = a;
        this.b = b;
        this.aToB = new Direction(a, b, options);
        this.bToA = new Direction(b, a, options);
    }

    /** Starts both directions; the channels are validated by the caller. */
    static Relay start(SocketChannel a, SocketChannel b, SpliceOptions options) {
        Relay relay = new Relay(a, b, options);
        Runnable forward = () -> relay.pass(relay.aToB, b);
        Runnable backward = () -> relay.pass(relay.bToA, a);
        Optional<Executor> executor = options.executor();
        if (executor.isEmpty()) {
            Thread.ofPlatform().daemon().name("splice4j-relay-" + relay.id + "-a>b").start(forward);
            Thread.ofPlatform().daemon().name("splice4j-relay-" + relay.id + "-b>a").start(backward);
        } else {
            relay.execute(executor.get(), forward);
            relay.execute(executor.get(), backward);
        }
        return relay;
    }

    private void execute(Executor executor, Runnable direction) {
        try {
            executor.execute(direction);
        } catch (RejectedExecutionException e) {
            fail(new IOException("the executor rejected a relay direction", e));
            ended();
        }
    }

    /** Runs one direction, then passes its end-of-stream on and leaves the other running. */
    private void pass(Direction direction, SocketChannel target) {
        try {
            direction.run();
            target.shutdownOutput();
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(new IOException("relay direction failed unexpectedly", e));
            throw e;
        } finally {
            ended();
        }
    }

    /**
     * Records the first failure, then closes both channels, which stops the other direction. A
     * failure that the close itself causes in the other direction comes second and is dropped.
     */
    private void fail(IOException e) {
        if (!closedByCaller) {
            failure.compareAndSet(null, e);
        }
        closeChannels();
    }

    private void ended() {
        if (running.decrementAndGet() == 0) {
            closeChannels();
            IOException first = failure.get();
            completion.complete(new RelayResult(aToB.result(), bToA.result(), Optional.ofNullable(first),
                    closedByCaller && first == null));
        }
    }

    private void closeChannels() {
        closeQuietly(a);
        closeQuietly(b);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // The relay is ending; a failed close has nothing left to tell.
        }
    }

    /**
     * Returns the future of the relay's result. It completes normally, also when a direction failed
     * (see {@link RelayResult#failure()}), after both directions have stopped, both channels are
     * closed and every fd the relay opened is closed.
     *
     * @return the completion
     */
    public CompletableFuture<RelayResult> completion() {
        return completion;
    }

    /**
     * Returns the bytes delivered from {@code a} to {@code b} so far.
     *
     * @return the live count
     */
    public long bytesAtoB() {
        return aToB.bytes();
    }

    /**
     * Returns the bytes delivered from {@code b} to {@code a} so far.
     *
     * @return the live count
     */
    public long bytesBtoA() {
        return bToA.bytes();
    }

    /**
     * Stops the relay: closes both channels and returns once both directions have stopped and every
     * fd the relay opened is closed. A direction waiting for data notices within about 20 ms.
     * Idempotent; a call after the relay ended returns at once.
     */
    @Override
    public void close() {
        if (!completion.isDone()) {
            closedByCaller = true;
            closeChannels();
        }
        completion.join();
    }
}
