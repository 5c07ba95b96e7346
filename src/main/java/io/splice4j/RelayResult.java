package io.splice4j;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Relay} ended.
 *
 * @param aToB what moved from {@code a} to {@code b}: bytes delivered, path, fallback reason
 * @param bToA what moved from {@code b} to {@code a}
 * @param failure the first failure in either direction, with its cause; empty if both directions
 *     reached end-of-stream or the relay was closed
 * @param closedByCaller whether {@link Relay#close()} ended the relay before both directions ended
 */
public record RelayResult(SpliceResult aToB, SpliceResult bToA, Optional<IOException> failure, boolean closedByCaller) {

    /**
     * Checks the components.
     *
     * @param aToB the a → b direction
     * @param bToA the b → a direction
     * @param failure the first failure, if any
     * @param closedByCaller whether the caller closed the relay
     */
    public RelayResult {
        Objects.requireNonNull(aToB, "aToB");
        Objects.requireNonNull(bToA, "bToA");
        Objects.requireNonNull(failure, "failure");
    }

    /**
     * Returns whether both directions reached end-of-stream.
     *
     * @return {@code true} if the relay ended cleanly
     */
    public boolean completed() {
        return failure.isEmpty() && !closedByCaller;
    }
}
