package io.splice4j.internal;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceMode;
import io.splice4j.ZeroCopyUnavailableException;

/**
 * The one place that decides what happens when a transfer can't splice: in
 * {@link SpliceMode#ZERO_COPY} it fails, having read nothing; in {@link SpliceMode#AUTO} it copies
 * instead, and the reason is recorded once for the transfer.
 */
public final class FallbackRule {

    private FallbackRule() {
    }

    /**
     * Applies the rule.
     *
     * @param mode the transfer's mode (never {@link SpliceMode#PORTABLE}: copying is then no fallback)
     * @param reason why it can't splice
     * @param message what happened, for people
     * @param record the transfer's record
     * @throws ZeroCopyUnavailableException in {@link SpliceMode#ZERO_COPY}
     */
    public static void copyOrFail(SpliceMode mode, FallbackReason reason, String message, TransferRecord record)
            throws ZeroCopyUnavailableException {
        failIfZeroCopy(mode, reason, message);
        record.fallback(reason);
    }

    /**
     * The first half of the rule, for a caller whose transfers record the reason themselves.
     *
     * @param mode the transfer's mode
     * @param reason why it can't splice
     * @param message what happened, for people
     * @throws ZeroCopyUnavailableException in {@link SpliceMode#ZERO_COPY}
     */
    public static void failIfZeroCopy(SpliceMode mode, FallbackReason reason, String message)
            throws ZeroCopyUnavailableException {
        if (mode == SpliceMode.ZERO_COPY) {
            throw new ZeroCopyUnavailableException(reason, "zero-copy unavailable: " + message);
        }
    }
}
