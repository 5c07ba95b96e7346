package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceMode;
import io.splice4j.ZeroCopyUnavailableException;
import io.splice4j.internal.FallbackRule;
import io.splice4j.internal.TransferRecord;

/**
 * This transfer can't splice, found out before anything was read from the source, so the caller
 * may copy instead (see {@link FallbackRule}).
 */
public final class NotSpliceableException extends Exception {

    private static final long serialVersionUID = 1L;

    private final FallbackReason reason;

    NotSpliceableException(FallbackReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /**
     * Returns why.
     *
     * @return the reason
     */
    public FallbackReason reason() {
        return reason;
    }

    /**
     * Applies {@link FallbackRule} to this refusal.
     *
     * @param mode the transfer's mode
     * @param record the transfer's record
     * @throws ZeroCopyUnavailableException in {@link SpliceMode#ZERO_COPY}
     */
    public void copyOrFail(SpliceMode mode, TransferRecord record) throws ZeroCopyUnavailableException {
        FallbackRule.copyOrFail(mode, reason, getMessage(), record);
    }
}
