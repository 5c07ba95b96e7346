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
 *     {@code end} is {@link End#FAILED}, {@link End#A_RESET} or {@link End#B_RESET}
 */
public record RelayResult(SpliceResult aToB, SpliceResult bToA, End end, Optional<IOException> failure) {

    /** Why a relay ended. */
    public enum End {
        /** Both directions reached end-of-stream and passed it on. */
        COMPLETED,
        /**
         * A direction failed for a reason of the relay's own (see {@link #failure()}), or a channel
         * was closed behind its back, or its engine closed. The relay closed both channels: with a
         * reset (TCP RST) after a fault, so that neither peer takes the stream cut short for a whole
         * one, and with a FIN after a close ({@link java.nio.channels.AsynchronousCloseException}).
         */
        FAILED,
        /** {@link Relay#close()} ended it before both directions ended. */
        CLOSED,
        /** No byte moved in either direction for the {@linkplain SpliceOptions#idleTimeout() idle timeout}. */
        IDLE_TIMEOUT,
        /**
         * {@code a}'s connection broke: its peer reset it, or the kernel reported another error on
         * it ({@code ECONNRESET}, {@code EPIPE}, {@code ETIMEDOUT}, …; see {@link #failure()}). The
         * relay reset {@code b}'s connection in turn (TCP RST), so that {@code b}'s peer sees the
         * stream end abortively too, never as a clean end of stream.
         */
        A_RESET,
        /** {@code b}'s connection broke, and the relay reset {@code a}'s: see {@link #A_RESET}. */
        B_RESET;

        /**
         * Returns whether a relay that ended this way has a failure.
         *
         * @return {@code true} for {@link #FAILED}, {@link #A_RESET} and {@link #B_RESET}
         */
        public boolean failed() {
            return this == FAILED || this == A_RESET || this == B_RESET;
        }
    }

    /**
     * Checks the components.
     *
     * @param aToB the a → b direction
     * @param bToA the b → a direction
     * @param end why the relay ended
     * @param failure the first failure, present exactly when {@code end} {@linkplain End#failed() failed}
     * @throws IllegalArgumentException if {@code failure} and {@code end} disagree
     */
    public RelayResult {
        Objects.requireNonNull(aToB, "aToB");
        Objects.requireNonNull(bToA, "bToA");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(failure, "failure");
        if (failure.isPresent() != end.failed()) {
            throw new IllegalArgumentException("failure must be present exactly when end is FAILED, A_RESET or "
                    + "B_RESET: " + end);
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
