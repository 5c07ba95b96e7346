package io.splice4j;

import java.util.Objects;
import java.util.Optional;

/**
 * What one transfer did.
 *
 * @param bytes bytes delivered to the target
 * @param path the path the bytes took
 * @param fallbackReason why the transfer did not splice, empty when it did or when the options asked
 *     for nothing else
 */
public record SpliceResult(long bytes, TransferPath path, Optional<FallbackReason> fallbackReason) {

    /**
     * Checks the components.
     *
     * @param bytes bytes delivered, not negative
     * @param path the path taken
     * @param fallbackReason why it did not splice, if it did not
     */
    public SpliceResult {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(fallbackReason, "fallbackReason");
    }
}
