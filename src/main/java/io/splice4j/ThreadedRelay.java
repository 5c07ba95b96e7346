package io.splice4j;

import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.RelayHandle;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** A relay with a thread per direction: each runs a {@link Direction} to its end-of-stream. */
final class ThreadedRelay implements RelayHandle {

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

    private ThreadedRelay(SocketChannel a, SocketChannel b, SpliceOptions options) {
        this.a = a;
        this.b = b;
        this.aToB = new Direction(a, b, options);
        this.bToA = new Direction(b, a, options);
    }

    /** Starts both directions; the channels are validated by the caller. */
    static ThreadedRelay start(SocketChannel a, SocketChannel b, SpliceOptions options) {
        ThreadedRelay relay = new ThreadedRelay(a, b, options);
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
            RelayResult.End end = first != null ? RelayResult.End.FAILED
                    : closedByCaller ? RelayResult.End.CLOSED : RelayResult.End.COMPLETED;
            completion.complete(new RelayResult(aToB.result(), bToA.result(), end, Optional.ofNullable(first)));
        }
    }

    private void closeChannels() {
        ChannelGuard.closeQuietly(a);
        ChannelGuard.closeQuietly(b);
    }


    @Override
    public CompletableFuture<RelayResult> completion() {
        return completion;
    }

    @Override
    public long bytesAtoB() {
        return aToB.bytes();
    }

    @Override
    public long bytesBtoA() {
        return bToA.bytes();
    }

    /** Closing both channels wakes both directions: a waiting zero-copy loop within 50 ms. */
    @Override
    public void stop() {
        closedByCaller = true;
        closeChannels();
    }
}
