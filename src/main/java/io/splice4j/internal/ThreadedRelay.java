package io.splice4j.internal;

import io.splice4j.RelayResult;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A relay with a thread (or virtual thread) per direction, the counterpart of the engine's relay:
 * each direction is a blocking {@link Transfers#sockets} to its end-of-stream, and both share one
 * idle clock.
 */
public final class ThreadedRelay extends RelayHandle {

    private final SocketChannel a;
    private final SocketChannel b;
    private final SpliceOptions options;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile boolean closedByCaller;

    private ThreadedRelay(SocketChannel a, SocketChannel b, SpliceOptions options) {
        super(a, b, options);
        this.a = a;
        this.b = b;
        this.options = options;
    }

    /**
     * Starts both directions on {@code executor}, which must run both at once.
     *
     * @param a one channel, validated by the caller
     * @param b the other channel
     * @param options the transfer options
     * @param executor runs the two directions
     * @return the running relay
     */
    public static ThreadedRelay start(SocketChannel a, SocketChannel b, SpliceOptions options, Executor executor) {
        ThreadedRelay relay = new ThreadedRelay(a, b, options);
        relay.execute(executor, () -> relay.pass(a, b, options.firstBytesAtoB(), relay.aToB));
        relay.execute(executor, () -> relay.pass(b, a, options.firstBytesBtoA(), relay.bToA));
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
    private void pass(SocketChannel source, SocketChannel target, java.nio.ByteBuffer firstBytes,
            TransferRecord record) {
        try {
            Transfers.sockets(source, target, options, firstBytes, record);
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
            RelayResult.End end = first instanceof InterruptedByTimeoutException ? RelayResult.End.IDLE_TIMEOUT
                    : first != null ? RelayResult.End.FAILED
                    : closedByCaller ? RelayResult.End.CLOSED : RelayResult.End.COMPLETED;
            complete(end, first);
        }
    }

    private void closeChannels() {
        ChannelGuard.closeQuietly(a);
        ChannelGuard.closeQuietly(b);
    }

    /** Closing both channels wakes both directions within one tick. */
    @Override
    public void stop() {
        closedByCaller = true;
        closeChannels();
    }
}
