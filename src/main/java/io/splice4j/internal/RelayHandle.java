package io.splice4j.internal;

import io.splice4j.RelayResult;
import io.splice4j.SpliceOptions;
import io.splice4j.internal.jfr.RelayTrace;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the public {@link io.splice4j.Relay} needs of a running relay, threaded or on an engine, and
 * the one place a relay's life is recorded: its two directions' records (sharing one idle clock),
 * its flight-recorder trace, and its result.
 */
public abstract class RelayHandle {

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
        this.activity = Activity.of(options.idleTimeout().orElse(null));
        this.aToB = Transfers.newRecord(options, activity);
        this.bToA = Transfers.newRecord(options, activity);
        aToB.between(a, b);
        bToA.between(b, a);
        this.trace = RelayTrace.begin(a, b);
    }

    /**
     * Records the end, once both directions have stopped and every fd is closed: the result, the
     * trace, and the completion.
     *
     * @param end why the relay ended
     * @param failure the first failure, for {@link RelayResult.End#FAILED} only
     */
    protected final void complete(RelayResult.End end, IOException failure) {
        RelayResult result = new RelayResult(aToB.result(), bToA.result(), end,
                end == RelayResult.End.FAILED ? Optional.of(failure) : Optional.empty());
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

    /** Starts ending the relay, from any thread; {@link #completion()} says when it has ended. */
    public abstract void stop();

    /**
     * Stops the relay and returns once it has ended, except on an event loop's thread: there it
     * never waits for another loop or for a thread that may be parked on this one, which could
     * deadlock. A relay of that same loop has still ended when it returns ({@link #stop()} ends it
     * there and then); any other ends moments later, as {@link #completion()} tells.
     */
    public final void close() {
        if (!completion.isDone()) {
            stop();
        }
        if (!LoopThreads.current()) {
            completion.join();
        }
    }
}
