package io.splice4j;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Relay} ended.
 *
 * @param aToB what moved from {@code a} to {@code b}: bytes delivered, path, fallback reason
 * @param bToA what moved from {@code b} to {@code a}
 * @param end why the relay ended
 * @param failure the first failure in either direction, with its cause: present exactly when
 *     {@code end} is {@link End#FAILED}
 */
public record RelayResult(SpliceResult aToB, SpliceResult bToA, End end, Optional<IOException> failure) {

    /** Why a relay ended. */
    public enum End {
        /** Both directions reached end-of-stream and passed it on. */
        COMPLETED,
        /** A direction failed (see {@link #failure()}); the relay closed both channels. */
        FAILED,
        /** {@link Relay#close()} ended it before both directions ended. */
        CLOSED,
        /** No byte moved in either direction for the {@linkplain SpliceOptions#idleTimeout() idle timeout}. */
        IDLE_TIMEOUT
    }

    /**
     * Checks the components.
     *
     * @param aToB the a → b direction
     * @param bToA the b → a direction
     * @param end why the relay ended
     * @param failure the first failure, present exactly when {@code end} is {@link End#FAILED}
     * @throws IllegalArgumentException if {@code failure} and {@code end} disagree
     */
    public RelayResult {
        Objects.requireNonNull(aToB, "aToB");
        Objects.requireNonNull(bToA, "bToA");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(failure, "failure");
        if (failure.isPresent() != (end == End.FAILED)) {
            throw new IllegalArgumentException("failure must be present exactly when end is FAILED: " + end);
        }
    }

    /**
     * Returns whether both directions reached end-of-stream.
     *
     * @return {@code true} if the relay ended cleanly
     */
    public boolean completed() {
        return end == End.COMPLETED;
    }

    /**
     * Returns whether {@link Relay#close()} ended it.
     *
     * @return {@code true} if the end is {@link End#CLOSED}
     */
    public boolean closedByCaller() {
        return end == End.CLOSED;
    }
}
