package io.splice4j.internal;

import io.splice4j.RelayResult;
import java.util.concurrent.CompletableFuture;

/** What the public {@link io.splice4j.Relay} needs of a running relay, threaded or on an engine. */
public interface RelayHandle {

    /**
     * Returns the relay's result.
     *
     * @return a future completed once both directions have stopped and every fd is closed
     */
    CompletableFuture<RelayResult> completion();

    /**
     * Returns the bytes delivered from a to b so far.
     *
     * @return the live count
     */
    long bytesAtoB();

    /**
     * Returns the bytes delivered from b to a so far.
     *
     * @return the live count
     */
    long bytesBtoA();

    /** Starts ending the relay, from any thread; {@link #completion()} says when it has ended. */
    void stop();
}
