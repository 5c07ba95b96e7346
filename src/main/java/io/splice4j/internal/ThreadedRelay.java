package io.splice4j.internal;

import io.splice4j.RelayResult;
import io.splice4j.SpliceException;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
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

    /** The first failure and how it ends the relay. */
    private record Failure(IOException cause, RelayResult.End end) {
    }

    private final SpliceOptions options;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private volatile boolean closedByCaller;

    private ThreadedRelay(SocketChannel a, SocketChannel b, SpliceOptions options) {
        super(a, b, options);
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
            fail(new IOException("the executor rejected a relay direction", e), RelayResult.End.FAILED);
            ended();
        }
    }

    /** Runs one direction, then passes its end-of-stream on and leaves the other running. */
    private void pass(SocketChannel source, SocketChannel target, ByteBuffer firstBytes, TransferRecord record) {
        boolean fromA = source == a;
        try {
            Transfers.sockets(source, target, options, firstBytes, record);
            shutdownOutput(target, record);
        } catch (IOException e) {
            fail(e, e instanceof InterruptedByTimeoutException ? RelayResult.End.IDLE_TIMEOUT : endOf(e, fromA));
        } catch (RuntimeException | Error e) {
            fail(new IOException("relay direction failed unexpectedly", e), RelayResult.End.FAILED);
            throw e;
        } finally {
            ended();
        }
    }

    private static void shutdownOutput(SocketChannel target, TransferRecord record) throws IOException {
        try {
            target.shutdownOutput();
        } catch (java.nio.channels.ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new SpliceException("shutdownOutput(target)", record.bytes(), e, SpliceException.Side.TARGET);
        }
    }

    /**
     * Records the first failure, then closes both channels (with a reset after a fault), which stops
     * the other direction. A failure that the close itself causes in the other direction comes
     * second and is dropped.
     */
    private void fail(IOException e, RelayResult.End end) {
        Failure first = new Failure(e, end);
        if (!closedByCaller && failure.compareAndSet(null, first)) {
            closeChannels(end != RelayResult.End.IDLE_TIMEOUT && resets(end, e));
        } else {
            closeChannels(false);
        }
    }

    private void ended() {
        if (running.decrementAndGet() == 0) {
            closeChannels(false);
            Failure first = failure.get();
            if (first != null) {
                complete(first.end(), first.end().failed() ? first.cause() : null);
            } else {
                complete(closedByCaller ? RelayResult.End.CLOSED : RelayResult.End.COMPLETED, null);
            }
        }
    }

    /** Closing both channels wakes both directions within one tick. */
    @Override
    protected void stop(boolean reset) {
        closedByCaller = true;
        closeChannels(reset);
    }
}
