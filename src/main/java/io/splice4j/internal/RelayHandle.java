package io.splice4j.internal;

import io.splice4j.RelayResult;
import io.splice4j.SpliceException;
import io.splice4j.SpliceOptions;
import io.splice4j.internal.jfr.RelayTrace;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the public {@link io.splice4j.Relay} needs of a running relay, threaded or on an engine, and
 * the one place a relay's life is recorded (its two directions' records sharing one idle clock, its
 * flight-recorder trace, its result) and its end decided: which {@link RelayResult.End} a failure
 * means, and whether the channels are closed with a FIN or a reset (docs/design.md, "Resets").
 */
public abstract class RelayHandle {

    /** One channel. */
    protected final SocketChannel a;
    /** The other channel. */
    protected final SocketChannel b;
    /** The a → b direction's record. */
    protected final TransferRecord aToB;
    /** The b → a direction's record. */
    protected final TransferRecord bToA;
    /** The clock both directions' bytes reset. */
    protected final Activity activity;
    private final RelayTrace trace;
    private final CompletableFuture<RelayResult> completion = new CompletableFuture<>();

    /**
     * Starts the records of a relay between {@code a} and {@code b}.
     *
     * @param a one channel
     * @param b the other channel
     * @param options the mode (the planned path) and the idle timeout
     */
    protected RelayHandle(SocketChannel a, SocketChannel b, SpliceOptions options) {
        this.a = a;
        this.b = b;
        this.activity = Activity.of(options.idleTimeout().orElse(null));
        this.aToB = Transfers.newRecord(options, activity);
        this.bToA = Transfers.newRecord(options, activity);
        aToB.between(a, b);
        bToA.between(b, a);
        this.trace = RelayTrace.begin(a, b);
    }

    /**
     * Returns how a failure in one direction ends the relay: a failed operation on a socket means
     * that socket's connection broke ({@link RelayResult.End#A_RESET}, {@link RelayResult.End#B_RESET});
     * anything else is the relay's own failure.
     *
     * @param failure the direction's failure
     * @param fromA whether the direction reads {@code a} (a → b)
     * @return the end
     */
    protected static RelayResult.End endOf(IOException failure, boolean fromA) {
        if (failure instanceof SpliceException e && e.side().isPresent()) {
            boolean onA = (e.side().get() == SpliceException.Side.SOURCE) == fromA;
            return onA ? RelayResult.End.A_RESET : RelayResult.End.B_RESET;
        }
        return RelayResult.End.FAILED;
    }

    /**
     * Returns whether an end resets the connections: a fault does, so that no peer takes a stream cut
     * short for a whole one; a completion, a close (the caller's, the owner's or the engine's) and an
     * idle timeout end them with a FIN.
     *
     * @param end why the relay ended
     * @param failure its failure, for a failed end
     * @return {@code true} to close with a reset
     */
    protected static boolean resets(RelayResult.End end, IOException failure) {
        return end.failed() && !(failure instanceof ClosedChannelException);
    }

    /**
     * Closes both channels; with {@code reset}, a TCP socket's close sends a reset (RST) instead of a
     * FIN. Its linger time of 0 is set first, so it holds for whichever close of the socket is the
     * last (a blocking transfer's duplicate, a selector's deferred close). Unix-domain sockets have
     * no reset: their peers see the end of the stream.
     *
     * @param reset whether to reset
     */
    protected final void closeChannels(boolean reset) {
        if (reset) {
            lingerZero(a);
            lingerZero(b);
        }
        ChannelGuard.closeQuietly(a);
        ChannelGuard.closeQuietly(b);
    }

    private static void lingerZero(SocketChannel channel) {
        try {
            if (channel.supportedOptions().contains(StandardSocketOptions.SO_LINGER)) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException | RuntimeException closedOrReset) {
            // Closed meanwhile, or reset already: its close ends it either way.
        }
    }

    /**
     * Records the end, once both directions have stopped and every fd is closed: the result, the
     * trace, and the completion.
     *
     * @param end why the relay ended
     * @param failure the first failure, for a {@linkplain RelayResult.End#failed() failed} end only
     */
    protected final void complete(RelayResult.End end, IOException failure) {
        RelayResult result = new RelayResult(aToB.result(), bToA.result(), end,
                end.failed() ? Optional.of(failure) : Optional.empty());
        if (trace != null) {
            trace.end(result);
        }
        completion.complete(result);
    }

    /**
     * Returns the relay's result.
     *
     * @return a future completed once both directions have stopped and every fd is closed
     */
    public final CompletableFuture<RelayResult> completion() {
        return completion;
    }

    /**
     * Returns the bytes delivered from a to b so far.
     *
     * @return the live count
     */
    public final long bytesAtoB() {
        return aToB.bytes();
    }

    /**
     * Returns the bytes delivered from b to a so far.
     *
     * @return the live count
     */
    public final long bytesBtoA() {
        return bToA.bytes();
    }

    /**
     * Starts ending the relay, from any thread; {@link #completion()} says when it has ended.
     *
     * @param reset whether to close both channels with a reset rather than a FIN
     */
    protected abstract void stop(boolean reset);

    /**
     * Stops the relay and returns once it has ended, except on an event loop's thread: there it
     * never waits for another loop or for a thread that may be parked on this one, which could
     * deadlock. A relay of that same loop has still ended when it returns ({@link #stop} ends it
     * there and then); any other ends moments later, as {@link #completion()} tells.
     *
     * @param reset whether to close both channels with a reset rather than a FIN
     */
    public final void close(boolean reset) {
        if (!completion.isDone()) {
            stop(reset);
        }
        if (!LoopThreads.current()) {
            completion.join();
        }
    }
}
